import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** A package (or plain module file) found on disk, ready for `import()`. */
export interface ResolvedModule {
  /** The package name from its package.json, or the path when it is a plain file. */
  packageName: string;
  version: string;
  /** The file to import. */
  entryFile: string;
  /** Where it was found: the package folder or the file. */
  location: string;
}

interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  exports?: unknown;
}

// The conditions Node applies to `import()`; listed in the package's own key order, first match wins.
const IMPORT_CONDITIONS = new Set(['node', 'import', 'module-sync', 'default']);

function pickExport(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const picked = pickExport(t);
      if (picked) return picked;
    }
    return undefined;
  }
  if (typeof target !== 'object' || target === null) return undefined;
  const entries = Object.entries(target);
  if (entries.some(([key]) => key.startsWith('.'))) return pickExport((target as Record<string, unknown>)['.']);
  for (const [condition, value] of entries) {
    if (!IMPORT_CONDITIONS.has(condition)) continue;
    const picked = pickExport(value);
    if (picked) return picked;
  }
  return undefined;
}

function readPackageJson(dir: string): PackageJson | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
}

function entryOfPackage(dir: string, pkg: PackageJson): string | undefined {
  const rel = pkg.exports !== undefined ? pickExport(pkg.exports) : (pkg.main ?? 'index.js');
  if (!rel) return undefined;
  const file = resolve(dir, rel);
  if (existsSync(file) && statSync(file).isFile()) return file;
  for (const ext of ['.js', '.mjs', '/index.js']) if (existsSync(file + ext)) return file + ext;
  return undefined;
}

/**
 * Finds package `name` the way Node does from `fromDir` (each `node_modules` up to the root) and
 * picks its ESM entry. Written out rather than using `require.resolve`, which applies the `require`
 * condition and so misses ESM-only packages.
 */
export function resolvePackage(name: string, fromDir: string): ResolvedModule | undefined {
  let dir = resolve(fromDir);
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    const pkg = readPackageJson(candidate);
    if (pkg) {
      const entryFile = entryOfPackage(candidate, pkg);
      if (!entryFile) return undefined;
      return { packageName: pkg.name ?? name, version: pkg.version ?? '0.0.0', entryFile, location: candidate };
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** A relative or absolute path: a package folder (with package.json) or a module file. */
export function resolvePath(spec: string, baseDir: string): ResolvedModule | undefined {
  const target = isAbsolute(spec) ? spec : resolve(baseDir, spec);
  if (!existsSync(target)) return undefined;
  if (statSync(target).isDirectory()) {
    const pkg = readPackageJson(target);
    const entryFile = pkg ? entryOfPackage(target, pkg) : existsSync(join(target, 'index.js')) ? join(target, 'index.js') : undefined;
    if (!entryFile) return undefined;
    return { packageName: pkg?.name ?? spec, version: pkg?.version ?? '0.0.0', entryFile, location: target };
  }
  return { packageName: spec, version: '0.0.0', entryFile: target, location: target };
}

export function isPathSpec(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..' || isAbsolute(spec);
}

/** Package names to try for a `plugins:` entry: short names first as @iris/provider-X, then iris-provider-X. */
export function candidateNames(spec: string): string[] {
  if (spec.startsWith('@') || spec.startsWith('iris-provider-')) return [spec];
  return [`@iris/provider-${spec}`, `iris-provider-${spec}`, spec];
}
