import { createProviderRegistry, type ProviderEntry, type ProviderRegistry } from '@iris/core/config';
import type { ClusterConfig } from '@iris/core';
import { loadBuiltins } from '../builtins.js';
import { loadClusterFile } from '../cluster-file.js';
import type { CliIo } from '../context.js';
import { printJson } from '../output/json.js';
import { formatTable } from '../output/table.js';
import { loadInstalledProviders } from './installed-providers.js';

/** Which groups (and the controller) of a cluster file use each provider type. */
function usedBy(config: ClusterConfig, registry: ProviderRegistry): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  const add = (type: string, who: string): void => {
    const canonical = registry.canonicalType(type) ?? type;
    uses.set(canonical, [...(uses.get(canonical) ?? []), who]);
  };
  add(config.controller.provider.type, 'controller');
  for (const [name, group] of Object.entries(config.scale_groups)) add(group.provider.type, name);
  return uses;
}

/**
 * `iris providers [-c FILE] [--json]`: the providers installed in the project (the built-ins and
 * every provider package found in node_modules from here up), with versions and where from; with
 * `-c`, also the plugins the file lists, and which of its groups use each provider (USED BY).
 */
export async function listProviders(options: { config?: string; json?: boolean }, io: CliIo): Promise<void> {
  const { builtins, notInstalled } = await loadBuiltins();
  const installed = await loadInstalledProviders(io.cwd, builtins);
  let registry: ProviderRegistry;
  let uses: Map<string, string[]> | undefined;
  if (options.config !== undefined) {
    const cluster = await loadClusterFile(options.config, io);
    registry = cluster.registry;
    uses = usedBy(cluster.config, registry);
  } else {
    registry = createProviderRegistry(builtins, []);
  }
  // Installed packages the file does not list (or all of them, without -c), unless they clash.
  const listed = new Set(registry.entries().map((e) => e.packageName));
  const entries: ProviderEntry[] = [...registry.entries()];
  for (const l of installed.loaded) {
    if (listed.has(l.packageName)) continue;
    try {
      entries.push(
        ...createProviderRegistry([], [l])
          .entries()
          .map((e) => ({ ...e, resolvedFrom: l.resolvedFrom })),
      );
    } catch (err) {
      installed.broken.push({ packageName: l.packageName, message: err instanceof Error ? err.message : String(err) });
    }
  }
  entries.sort((a, b) => a.type.localeCompare(b.type));
  if (options.json) {
    printJson(io, uses ? entries.map((e) => ({ ...e, used_by: uses.get(e.type) ?? [] })) : entries);
    return;
  }
  const rows = entries.map((entry) => [
    entry.type,
    entry.aliases.join(','),
    entry.packageName,
    entry.version,
    entry.resolvedFrom ? `${entry.source} (${entry.resolvedFrom})` : entry.source,
    ...(uses ? [(uses.get(entry.type) ?? []).join(', ') || '-'] : []),
  ]);
  io.out(formatTable(['TYPE', 'ALIASES', 'PACKAGE', 'VERSION', 'SOURCE', ...(uses ? ['USED BY'] : [])], rows));
  for (const b of installed.broken) io.out(`not loadable: ${b.packageName}: ${b.message}`);
  // First-party providers this install leaves out until a cluster needs them.
  const missing = new Map<string, string[]>();
  for (const [type, packageName] of Object.entries(notInstalled)) missing.set(packageName, [...(missing.get(packageName) ?? []), type]);
  for (const [packageName, types] of missing) io.out(`not installed: ${types.join(', ')} (npm i ${packageName})`);
}
