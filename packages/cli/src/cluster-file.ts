import { isAbsolute, relative, resolve } from 'node:path';
import { createProviderRegistry, loadCluster } from '@iris/core/config';
import type { LoadClusterOptions, LoadedCluster, ProviderRegistry } from '@iris/core/config';
import { CLI_PACKAGE_DIR, loadBuiltinPlugins, loadBuiltins } from './builtins.js';
import type { CliIo } from './context.js';

/**
 * The path to hand to core: as the user typed it when it is relative to the process's working
 * directory (so errors read `examples/mixed.yaml:3:5`), absolute otherwise.
 */
export function clusterPath(file: string, io: CliIo): string {
  if (isAbsolute(file)) return file;
  const absolute = resolve(io.cwd, file);
  return io.cwd === process.cwd() ? relative(process.cwd(), absolute) || absolute : absolute;
}

/** Built-in providers, the CLI's install as the fallback for `plugins:`, and the caller's env. */
export async function clusterLoadOptions(io: CliIo): Promise<LoadClusterOptions> {
  const { builtins, notInstalled } = await loadBuiltins();
  return { builtins, notInstalled, searchDirs: [CLI_PACKAGE_DIR], env: { ...io.env } };
}

/** Loads and validates a cluster file with the built-in providers plus the plugins it lists. */
export async function loadClusterFile(file: string, io: CliIo): Promise<LoadedCluster> {
  return loadCluster(clusterPath(file, io), await clusterLoadOptions(io));
}

/** The provider registry: the built-ins alone, or with the plugins `configFile` lists. */
export async function loadRegistry(configFile: string | undefined, io: CliIo): Promise<ProviderRegistry> {
  if (configFile !== undefined) return (await loadClusterFile(configFile, io)).registry;
  return createProviderRegistry(await loadBuiltinPlugins());
}
