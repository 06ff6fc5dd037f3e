import { pathToFileURL } from 'node:url';
import { checkPackageDeps } from './check-package-deps.js';
import { checkPlugin } from './check-plugin.js';
import { PluginLoadError, type PluginFailure } from './plugin-errors.js';
import { candidateNames, isPathSpec, resolvePackage, resolvePath, type ResolvedModule } from './resolve-package.js';
import type { ProviderPlugin } from '../plugin.js';

/** A third-party plugin found through `plugins:`. */
export interface LoadedPlugin {
  plugin: ProviderPlugin;
  packageName: string;
  version: string;
  /** The package folder or file it was imported from. */
  resolvedFrom: string;
  /** The `plugins:` entry as written, and its index. */
  spec: string;
  specIndex: number;
}

export interface LoadPluginsOptions {
  /** Where resolution starts: the cluster file's folder. */
  baseDir: string;
  /** Further folders to resolve from (the CLI's own install), in order. */
  searchDirs?: readonly string[];
}

function findModule(spec: string, options: LoadPluginsOptions, tried: string[]): ResolvedModule | undefined {
  if (isPathSpec(spec)) {
    tried.push(`path ${spec} from ${options.baseDir}`);
    return resolvePath(spec, options.baseDir);
  }
  for (const dir of [options.baseDir, ...(options.searchDirs ?? [])]) {
    for (const name of candidateNames(spec)) {
      tried.push(`${name} from ${dir}`);
      const found = resolvePackage(name, dir);
      if (found) return found;
    }
  }
  return undefined;
}

async function loadOne(spec: string, specIndex: number, options: LoadPluginsOptions): Promise<LoadedPlugin | PluginFailure[]> {
  const tried: string[] = [];
  const found = findModule(spec, options, tried);
  if (!found) {
    const install = isPathSpec(spec)
      ? `check the path`
      : `install it (npm install ${candidateNames(spec)[0] === spec ? spec : `@iris/provider-${spec} or iris-provider-${spec}`}) next to the cluster file`;
    return [{ code: 'not_found', packageName: spec, specIndex, message: `plugin "${spec}" not found (tried ${tried.join('; ')}); ${install}` }];
  }
  // Checked before importing: a plugin on a foreign tsyringe or outside its peer range must not run.
  const installFailures = checkPackageDeps(found.packageName, found.location).map((f) => ({ ...f, specIndex }));
  if (installFailures.length > 0) return installFailures;
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(found.entryFile).href)) as { default?: unknown };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    return [
      {
        code: 'import_failed',
        packageName: found.packageName,
        specIndex,
        cause,
        message: `${found.packageName}: importing ${found.entryFile} failed (${reason}); reinstall ${found.packageName} or report it to its authors`,
      },
    ];
  }
  const failures = checkPlugin(module.default, found.packageName).map((f) => ({ ...f, specIndex }));
  if (failures.length > 0) return failures;
  return { plugin: module.default as ProviderPlugin, packageName: found.packageName, version: found.version, resolvedFrom: found.location, spec, specIndex };
}

/**
 * Resolves and imports every `plugins:` entry, checking each. All failures are collected and thrown
 * together as a PluginLoadError (each with the index of its entry).
 */
export async function loadPlugins(specs: readonly string[], options: LoadPluginsOptions): Promise<LoadedPlugin[]> {
  const results = await Promise.all(specs.map((spec, index) => loadOne(spec, index, options)));
  const failures = results.flatMap((r) => (Array.isArray(r) ? r : []));
  if (failures.length > 0) throw new PluginLoadError(failures);
  return results as LoadedPlugin[];
}
