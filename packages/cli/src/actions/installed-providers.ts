import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadPlugins, PluginLoadError, type BuiltinPlugin, type LoadedPlugin } from '@iris/core/config';

/** A provider package name by convention: `@iris/provider-x`, `iris-provider-x`, `@scope/iris-provider-x`. */
export function isProviderPackageName(name: string): boolean {
  if (name.endsWith('-testkit')) return false; // the conformance kit, not a provider
  return /^@iris\/provider-[a-z0-9][\w.-]*$/.test(name) || /^(@[\w.-]+\/)?iris-provider-[a-z0-9][\w.-]*$/.test(name);
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Provider packages in the node_modules folders from `cwd` up to the root, nearest first. */
export function findProviderPackages(cwd: string): string[] {
  const found = new Set<string>();
  for (let dir = cwd; ; dir = dirname(dir)) {
    const modules = join(dir, 'node_modules');
    for (const name of list(modules)) {
      if (name.startsWith('@')) for (const inner of list(join(modules, name))) if (isProviderPackageName(`${name}/${inner}`)) found.add(`${name}/${inner}`);
      if (isProviderPackageName(name)) found.add(name);
    }
    if (dirname(dir) === dir) break;
  }
  return [...found];
}

export interface InstalledProviders {
  loaded: LoadedPlugin[];
  /** Packages that look like providers but do not load as one, with the reason. */
  broken: { packageName: string; message: string }[];
}

/** Loads the provider packages installed in the project (those not already built in), one by one. */
export async function loadInstalledProviders(cwd: string, builtins: readonly BuiltinPlugin[]): Promise<InstalledProviders> {
  const builtin = new Set(builtins.map((b) => b.packageName));
  const out: InstalledProviders = { loaded: [], broken: [] };
  for (const packageName of findProviderPackages(cwd).filter((n) => !builtin.has(n))) {
    try {
      out.loaded.push(...(await loadPlugins([packageName], { baseDir: cwd })));
    } catch (err) {
      const message = err instanceof PluginLoadError ? err.failures.map((f) => f.message).join('; ') : err instanceof Error ? err.message : String(err);
      out.broken.push({ packageName, message });
    }
  }
  return out;
}
