import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

// Tests import sibling packages from source, so a package's tests never wait for (or silently use a stale) `dist/` of
// another package. The published manifests carry no source-only export condition: this plugin maps each
// `@iris/<pkg>[/<subpath>]` export whose file is `./dist/<x>.js` to `src/<x>.ts` — but only when the importer would find
// the workspace package, so a fixture's nested copy of a package (node_modules/@iris/core inside it) stays that copy.
const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));
const setupFile = fileURLToPath(new URL('./vitest.setup.ts', import.meta.url));

interface Manifest {
  name: string;
  exports?: Record<string, string | { default?: string }>;
}

interface WorkspacePackage {
  dir: string;
  /** subpath ('' or '/config') → source file */
  sources: Map<string, string>;
}

function workspacePackages(): Map<string, WorkspacePackage> {
  const packages = new Map<string, WorkspacePackage>();
  for (const entry of readdirSync(packagesDir)) {
    const dir = join(packagesDir, entry);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    const sources = new Map<string, string>();
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const file = typeof target === 'string' ? target : target.default;
      const match = file === undefined ? null : /^\.\/dist\/(.+)\.js$/.exec(file);
      if (match !== null) sources.set(subpath.slice(1), join(dir, 'src', `${match[1]}.ts`));
    }
    packages.set(manifest.name, { dir: realpathSync(dir), sources });
  }
  return packages;
}

/** Where Node would find `name` from `importer`: the nearest node_modules/<name>, real path; undefined if none. */
function installedFrom(name: string, importer: string | undefined): string | undefined {
  if (importer === undefined || !importer.startsWith('/')) return undefined;
  for (let dir = dirname(importer); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(candidate)) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

function workspaceSources(): Plugin {
  const packages = workspacePackages();
  return {
    name: 'iris-workspace-sources',
    enforce: 'pre',
    resolveId(source, importer) {
      const match = /^(@iris\/[^/]+)(\/.*)?$/.exec(source);
      if (match === null) return null;
      const pkg = packages.get(match[1]!);
      const file = pkg?.sources.get(match[2] ?? '');
      if (pkg === undefined || file === undefined) return null;
      const found = installedFrom(match[1]!, importer?.split('?')[0]);
      return found === undefined || found === pkg.dir ? file : null;
    },
  };
}

type TestOptions = NonNullable<ViteUserConfig['test']>;

export function defineIrisVitestConfig(root: string, overrides: TestOptions = {}): ViteUserConfig {
  return defineConfig({
    root,
    plugins: [workspaceSources()],
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      setupFiles: [setupFile],
      testTimeout: 30_000,
      hookTimeout: 30_000,
      passWithNoTests: false,
      ...overrides,
    },
  });
}
