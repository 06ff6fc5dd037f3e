import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { IrisError } from '../errors.js';
import { writeTarGz } from './tar-writer.js';

export const PROGRAM_BUNDLE_FAILED = 'IRIS_PROGRAM_BUNDLE_FAILED';

/** A self-contained copy of an Iris program and its runtime dependencies, as one tarball. */
export interface ProgramBundle {
  /** sha256 over every file's path, mode and content: the cache key on hosts. */
  hash: string;
  tarball: string;
  /** The script to run with node, relative to the unpacked bundle. */
  entry: string;
  /** Packages included, `name@version`, for reports. */
  packages: string[];
}

export interface PackProgramOptions {
  /** Folder of the package whose program is run (e.g. @iris/cli), found from this process. */
  packageDir: string;
  /** Script inside that package to run, relative to it (e.g. `bin/iris.js`). */
  entry: string;
  /** Where tarballs are kept; one per content hash, reused when present. */
  outDir: string;
  /**
   * Packages left out with everything only they need (e.g. the controller and the cloud providers
   * in a program that only ever runs `iris worker`): a lean program for hosts.
   */
  exclude?: readonly string[];
}

interface PackageJson {
  name?: string;
  version?: string;
  files?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface BundledFile {
  from: string;
  to: string;
}

const SKIPPED_NAMES = new Set(['node_modules', '.git', 'out-tsc', 'src', 'test', 'coverage', '.nx']);
/**
 * Files no program loads at run time: type declarations, TypeScript sources, source maps and docs.
 * Left out, the program holds about half the files, and a first bootstrap unpacks that much less.
 */
const NOT_RUNTIME = /\.(d\.[cm]?ts|[cm]?ts|map|md|markdown)$/i;

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Node's own lookup: `<dir>/node_modules/<name>`, then each parent's. */
function findDependency(fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

function walk(dir: string, rel: string, out: string[], skip: (name: string, relPath: string) => boolean): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    if (skip(entry.name, relPath)) continue;
    if (entry.isDirectory()) walk(join(dir, entry.name), relPath, out, skip);
    else if (entry.isFile()) out.push(relPath);
  }
}

/**
 * The files of one package that are needed at run time. A package inside node_modules is taken
 * whole (minus its own node_modules, which are resolved like any dependency); a workspace package
 * is taken as it would be published: its `files` list (dist, bin) plus package.json.
 */
function packageFiles(dir: string, inNodeModules: boolean, pkg: PackageJson): string[] {
  const out: string[] = [];
  if (inNodeModules) {
    walk(dir, '', out, (name) => name === 'node_modules' || NOT_RUNTIME.test(name));
    return out;
  }
  const roots = (pkg.files ?? ['dist', 'bin']).filter((f) => !f.startsWith('!'));
  out.push('package.json');
  for (const root of roots) {
    const abs = join(dir, root);
    if (!existsSync(abs)) continue;
    if (statSync(abs).isFile()) out.push(root);
    else walk(abs, root, out, (name) => SKIPPED_NAMES.has(name) || NOT_RUNTIME.test(name) || /\.tsbuildinfo$|\.test\.js$/.test(name));
  }
  return [...new Set(out)];
}

/**
 * Collects a package and, transitively, its dependencies (peer dependencies too: a provider's
 * @iris/core and tsyringe must travel with it) as a node_modules tree. A second version of a name
 * is nested under the package that needs it, as npm would.
 */
function collect(packageDir: string, exclude: ReadonlySet<string>): { files: BundledFile[]; packages: string[]; rootName: string } {
  const placed = new Map<string, string>(); // package name → real dir at top level
  const files: BundledFile[] = [];
  const packages: string[] = [];
  const seenAt = new Set<string>(); // "bundlePath" already emitted
  const rootDir = realpathSync(packageDir);
  const rootPkg = readPackageJson(rootDir);
  if (!rootPkg.name) throw new IrisError(PROGRAM_BUNDLE_FAILED, `${rootDir}/package.json has no name`);

  const visit = (dir: string, bundlePath: string, requiredBy: string | undefined): void => {
    if (seenAt.has(bundlePath)) return;
    seenAt.add(bundlePath);
    const pkg = readPackageJson(dir);
    packages.push(`${pkg.name}@${pkg.version ?? '0.0.0'}`);
    const inNodeModules = dir.split(sep).includes('node_modules');
    for (const file of packageFiles(dir, inNodeModules, pkg)) files.push({ from: join(dir, file), to: `${bundlePath}/${file}` });
    const deps = { ...pkg.peerDependencies, ...pkg.optionalDependencies, ...pkg.dependencies };
    for (const name of Object.keys(deps).sort()) {
      if (exclude.has(name)) continue;
      const found = findDependency(dir, name);
      if (!found) {
        if (pkg.dependencies?.[name] !== undefined) {
          throw new IrisError(
            PROGRAM_BUNDLE_FAILED,
            `cannot bundle ${pkg.name}: its dependency ${name} is not installed (looked up from ${dir}); run npm install`,
          );
        }
        continue; // an optional or peer dependency that is not installed here is not needed here
      }
      const top = placed.get(name);
      if (top === undefined) {
        placed.set(name, found);
        visit(found, `node_modules/${name}`, pkg.name);
      } else if (top !== found) {
        visit(found, `${bundlePath}/node_modules/${name}`, pkg.name);
      }
    }
    void requiredBy;
  };
  placed.set(rootPkg.name, rootDir);
  visit(rootDir, `node_modules/${rootPkg.name}`, undefined);
  return { files, packages, rootName: rootPkg.name };
}

function contentHash(files: readonly BundledFile[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0))) {
    const mode = statSync(f.from).mode & 0o111 ? 'x' : '-';
    hash.update(`${f.to}\0${mode}\0`);
    hash.update(createHash('sha256').update(readFileSync(f.from)).digest());
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * Packs a program for hosts that have Node but no registry access. The tarball is named by the
 * content hash and reused while nothing changed, so repeated bootstraps cost one hash pass.
 */
export async function packProgram(options: PackProgramOptions): Promise<ProgramBundle> {
  const { files, packages, rootName } = collect(options.packageDir, new Set(options.exclude ?? []));
  const hash = contentHash(files);
  const entry = `node_modules/${rootName}/${options.entry.split(sep).join('/')}`;
  if (!files.some((f) => f.to === entry)) {
    throw new IrisError(PROGRAM_BUNDLE_FAILED, `cannot bundle ${rootName}: ${options.entry} is not among its published files (is it built?)`);
  }
  mkdirSync(options.outDir, { recursive: true });
  const tarball = join(options.outDir, `${hash}.tar.gz`);
  if (!existsSync(tarball)) {
    const partial = `${tarball}.${process.pid}.part`;
    try {
      const entries = files.map((f) => ({ from: f.from, to: f.to, executable: (statSync(f.from).mode & 0o111) !== 0 }));
      await writeTarGz(partial, entries);
      renameSync(partial, tarball);
    } catch (err) {
      rmSync(partial, { force: true });
      throw new IrisError(PROGRAM_BUNDLE_FAILED, `cannot write the program tarball ${tarball}: ${(err as Error).message}`, { cause: err });
    }
  }
  return { hash, tarball, entry, packages };
}

/** The folder of the npm package that contains `file` (the nearest package.json with a name). */
export function packageDirOf(file: string): string | undefined {
  for (let dir = dirname(realpathSync(file)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      try {
        if (readPackageJson(dir).name) return dir;
      } catch {
        /* not a package.json we can read; keep looking */
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** `file` relative to its package folder, with forward slashes. */
export function pathInPackage(packageDir: string, file: string): string {
  return relative(realpathSync(packageDir), realpathSync(file)).split(sep).join('/');
}
