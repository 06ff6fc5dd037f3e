import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './run-iris.js';

const run = promisify(execFile);

interface Manifest {
  name: string;
  private?: boolean;
  bin?: Record<string, string>;
}

/** Every workspace package that is published: packages/* and examples/*, unless private. */
function publishable(): { name: string; dir: string; manifest: Manifest }[] {
  return ['packages', 'examples'].flatMap((root) =>
    readdirSync(join(REPO_ROOT, root), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((e) => {
        const dir = join(REPO_ROOT, root, e.name);
        try {
          const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
          return manifest.private ? [] : [{ name: manifest.name, dir, manifest }];
        } catch {
          return [];
        }
      }),
  );
}

// Tests, fixtures, test source maps, build info and sources of tests must never reach npm.
const FORBIDDEN = [/(^|\/)test\//, /\.test\.[cm]?[jt]s(\.map)?$/, /\.spec\.[cm]?[jt]s/, /(^|\/)fixtures?\//, /\.tsbuildinfo$/, /(^|\/)out-tsc\//, /(^|\/)src\/.*\.test\./];

describe('npm pack contents of every publishable package', () => {
  const packages = publishable();
  let files: Map<string, string[]>;

  beforeAll(async () => {
    const packed = await run('npm', ['pack', '--dry-run', '--json', ...packages.flatMap((p) => ['-w', p.name])], { cwd: REPO_ROOT, maxBuffer: 64 << 20 });
    const results = JSON.parse(packed.stdout) as { name: string; files: { path: string }[] }[];
    files = new Map(results.map((r) => [r.name, r.files.map((f) => f.path)]));
  }, 60_000);

  it('covers the packages of the repo and the example provider', () => {
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(['@iris/core', '@iris/cli', '@iris/provider-testkit', 'iris-provider-hello']));
  });

  it.each(publishable().map((p) => [p.name, p] as const))('%s ships dist with types, README and LICENSE', (name, pkg) => {
    const list = files.get(name) ?? [];
    for (const required of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) {
      expect(list, `${name} must ship ${required}`).toContain(required);
    }
    for (const bin of Object.values(pkg.manifest.bin ?? {})) expect(list, `${name} must ship its bin ${bin}`).toContain(bin.replace(/^\.\//, ''));
  });

  it.each(publishable().map((p) => [p.name] as const))('%s ships no tests, fixtures or test source maps', (name) => {
    const list = files.get(name) ?? [];
    const leaked = list.filter((f) => FORBIDDEN.some((re) => re.test(f)));
    expect(leaked, `${name} must not publish these (tighten "files" in its package.json)`).toEqual([]);
  });
});
