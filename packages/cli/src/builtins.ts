import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlugins, PluginLoadError } from '@iris/core/config';
import type { BuiltinPlugin } from '@iris/core/config';

/** The first-party providers every cluster file can use without listing them under `plugins:`. */
export const BUILTIN_PROVIDER_PACKAGES = ['@iris/provider-gcp', '@iris/provider-manual', '@iris/provider-local'] as const;

/**
 * The first-party providers `@iris/cli` does not depend on: installed when a cluster uses them (`npm i
 * @iris/provider-gcp`), so a local-only user does not download the Google client libraries. Each with the provider
 * types and aliases it serves, for the "not installed" message.
 */
export const OPTIONAL_PROVIDER_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  '@iris/provider-gcp': ['gcp', 'tpu'],
  '@iris/provider-manual': ['manual'],
};

/** The CLI's own package folder: built-ins resolve from here, and plugins after the file's folder. */
export const CLI_PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Builtins {
  builtins: BuiltinPlugin[];
  /** Provider type or alias → the package to install for it, for each optional provider that is not installed. */
  notInstalled: Record<string, string>;
}

/**
 * Loads gcp, manual and local: the default entries of the plugin list. They go through core's
 * `loadPlugins`, the same resolve → import → brand/apiVersion/core-copy check that a third-party
 * `plugins:` entry gets, so a first-party provider has no private way in. gcp and manual are optional: one that is not
 * installed is left out and reported by type; one that is installed but broken is an error like any plugin's.
 */
export async function loadBuiltins(): Promise<Builtins> {
  const builtins: BuiltinPlugin[] = [];
  const notInstalled: Record<string, string> = {};
  for (const packageName of BUILTIN_PROVIDER_PACKAGES) {
    const optional = OPTIONAL_PROVIDER_PACKAGES[packageName];
    try {
      const [loaded] = await loadPlugins([packageName], { baseDir: CLI_PACKAGE_DIR });
      if (loaded) builtins.push({ plugin: loaded.plugin, packageName: loaded.packageName, version: loaded.version });
    } catch (err) {
      if (!optional || !(err instanceof PluginLoadError) || !err.failures.every((f) => f.code === 'not_found')) throw err;
      for (const type of optional) notInstalled[type] = packageName;
    }
  }
  return { builtins, notInstalled };
}

/** The built-in providers that are installed. */
export async function loadBuiltinPlugins(): Promise<BuiltinPlugin[]> {
  return (await loadBuiltins()).builtins;
}
