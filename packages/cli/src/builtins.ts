import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlugins } from '@iris/core/config';
import type { BuiltinPlugin } from '@iris/core/config';

/** The first-party providers every cluster file can use without listing them under `plugins:`. */
export const BUILTIN_PROVIDER_PACKAGES = ['@iris/provider-gcp', '@iris/provider-manual', '@iris/provider-local'] as const;

/** The CLI's own package folder: built-ins resolve from here, and plugins after the file's folder. */
export const CLI_PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Loads gcp, manual and local: the default entries of the plugin list. They go through core's
 * `loadPlugins`, the same resolve → import → brand/apiVersion/core-copy check that a third-party
 * `plugins:` entry gets, so a first-party provider has no private way in.
 */
export async function loadBuiltinPlugins(): Promise<BuiltinPlugin[]> {
  const loaded = await loadPlugins(BUILTIN_PROVIDER_PACKAGES, { baseDir: CLI_PACKAGE_DIR });
  return loaded.map(({ plugin, packageName, version }) => ({ plugin, packageName, version }));
}
