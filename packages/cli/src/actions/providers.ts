import { loadBuiltins } from '../builtins.js';
import { loadRegistry } from '../cluster-file.js';
import type { CliIo } from '../context.js';
import { printJson } from '../output/json.js';
import { formatTable } from '../output/table.js';

/** `iris providers [-c FILE] [--json]`: what is installed, which version, and where it came from. */
export async function listProviders(options: { config?: string; json?: boolean }, io: CliIo): Promise<void> {
  const registry = await loadRegistry(options.config, io);
  const entries = registry.entries();
  if (options.json) {
    printJson(io, entries);
    return;
  }
  const rows = entries.map((entry) => [
    entry.type,
    entry.aliases.join(','),
    entry.packageName,
    entry.version,
    entry.resolvedFrom ? `${entry.source} (${entry.resolvedFrom})` : entry.source,
  ]);
  io.out(formatTable(['TYPE', 'ALIASES', 'PACKAGE', 'VERSION', 'SOURCE'], rows));
  // First-party providers this install leaves out until a cluster needs them.
  const missing = new Map<string, string[]>();
  for (const [type, packageName] of Object.entries((await loadBuiltins()).notInstalled)) missing.set(packageName, [...(missing.get(packageName) ?? []), type]);
  for (const [packageName, types] of missing) io.out(`not installed: ${types.join(', ')} (npm i ${packageName})`);
}
