import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesMentioning, until } from './e2e/support.js';
import { REPO_ROOT } from './run-iris.js';

const run = promisify(execFile);

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  bin?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
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

// Tests, fixtures, build info and sources of tests must never reach npm; nor source maps, whose sources are not shipped.
const FORBIDDEN = [/(^|\/)test\//, /\.test\.[cm]?[jt]s$/, /\.spec\.[cm]?[jt]s/, /(^|\/)fixtures?\//, /\.tsbuildinfo$/, /(^|\/)out-tsc\//, /\.map$/];

/** What `npm i @iris/cli` installs for a user who runs local workers only. */
const LOCAL_ONLY = ['@iris/core', '@iris/controller', '@iris/worker', '@iris/provider-local', '@iris/cli'];
const OPTIONAL = ['@iris/provider-gcp', '@iris/provider-manual'];
const HELLO = 'iris-provider-hello';
/** The example provider @iris/cli ships for `iris providers new`: its tests and fixtures are the template's, and belong there. */
const TEMPLATE = 'templates/provider-hello/';

/** The relative link targets of a markdown file: `[text](target)`, `![alt](target)`, `<img src="target">`, `[ref]: target`. */
function relativeLinks(markdown: string): string[] {
  const targets = [
    ...[...markdown.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
    ...[...markdown.matchAll(/<(?:img|a)\s[^>]*(?:src|href)="([^"]+)"/g)].map((m) => m[1]!),
    ...[...markdown.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!),
  ];
  return targets.filter((t) => !/^([a-z][a-z0-9+.-]*:|#)/i.test(t)).map((t) => decodeURIComponent(t.split('#')[0]!));
}

describe('published packages, packed and installed as a user installs them', () => {
  const packages = publishable();
  let dir: string;
  let project: string;
  let stateDir: string;
  const tarballs = new Map<string, string>();
  const packedFiles = new Map<string, string[]>();
  let localOnlyBytes = 0;

  async function npmInstall(names: readonly string[]): Promise<void> {
    // --ignore-scripts: better-sqlite3 would otherwise compile itself (minutes on this machine).
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...names.map((n) => tarballs.get(n)!)],
      {
        cwd: project,
        maxBuffer: 64 << 20,
      },
    );
  }

  async function iris(args: string[], cwd = project): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { ...process.env, HOME: dir, IRIS_DEBUG: undefined };
    try {
      const r = await run(join(project, 'node_modules/.bin/iris'), args, { cwd, env, maxBuffer: 16 << 20 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iris-pack-'));
    project = join(dir, 'project');
    stateDir = join(dir, 'state');
    const tarballDir = join(dir, 'tarballs');
    mkdirSync(project);
    mkdirSync(tarballDir);
    // The example is not part of the CLI's build graph. It is built into a staged copy, never into its own dist/,
    // which another test file may be building and packing at the same moment.
    const hello = packages.find((p) => p.name === HELLO)!;
    const staged = join(dir, 'hello');
    mkdirSync(staged);
    for (const file of ['package.json', 'README.md', 'LICENSE']) copyFileSync(join(hello.dir, file), join(staged, file));
    await run(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(hello.dir, 'tsconfig.build.json'), '--outDir', join(staged, 'dist')],
      {
        cwd: REPO_ROOT,
      },
    );
    const pack = async (args: string[]): Promise<{ name: string; filename: string; files: { path: string }[] }[]> =>
      JSON.parse((await run('npm', ['pack', '--json', '--pack-destination', tarballDir, ...args], { cwd: REPO_ROOT, maxBuffer: 64 << 20 })).stdout);
    const results = [...(await pack(packages.filter((p) => p.name !== HELLO).flatMap((p) => ['-w', p.name]))), ...(await pack([staged]))];
    for (const result of results) {
      tarballs.set(result.name, join(tarballDir, result.filename));
      packedFiles.set(
        result.name,
        result.files.map((f) => f.path),
      );
    }
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-cluster', private: true, type: 'module' }));
    await npmInstall(LOCAL_ONLY);
    localOnlyBytes = Number((await run('du', ['-sb', join(project, 'node_modules')])).stdout.split('\t')[0]);
    // Instead of compiling better-sqlite3 again, reuse the workspace's build of the same version.
    const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    if (!existsSync(join(project, addon))) {
      mkdirSync(join(project, dirname(addon)), { recursive: true });
      copyFileSync(join(REPO_ROOT, addon), join(project, addon));
    }
  }, 600_000);

  afterAll(() => {
    if (stateDir) {
      for (const pid of processesMentioning(stateDir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('covers the packages of the repo and the example provider', () => {
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining([...LOCAL_ONLY, ...OPTIONAL, '@iris/provider-testkit', 'iris-provider-hello']));
  });

  it.each(packages.map((p) => [p.name, p] as const))('%s ships dist with types, README and LICENSE, and what its exports and bins name', (name, pkg) => {
    const list = packedFiles.get(name) ?? [];
    for (const required of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) {
      expect(list, `${name} must ship ${required}`).toContain(required);
    }
    for (const bin of Object.values(pkg.manifest.bin ?? {})) expect(list, `${name} must ship its bin ${bin}`).toContain(bin.replace(/^\.\//, ''));
    for (const [subpath, target] of Object.entries(pkg.manifest.exports ?? {})) {
      const conditions = typeof target === 'string' ? { default: target } : target;
      expect(
        Object.keys(conditions).filter((c) => !['types', 'import', 'require', 'node', 'default'].includes(c)),
        `${name} exports["${subpath}"] has a source-only condition`,
      ).toEqual([]);
      for (const file of Object.values(conditions)) expect(list, `${name} exports["${subpath}"] names ${file}`).toContain(file.replace(/^\.\//, ''));
    }
  });

  it.each(packages.map((p) => [p.name] as const))('%s ships no tests, fixtures, build info or source maps', (name) => {
    const shipped = (packedFiles.get(name) ?? []).filter((f) => !(name === '@iris/cli' && f.startsWith(TEMPLATE)));
    const leaked = shipped.filter((f) => FORBIDDEN.some((re) => re.test(f)));
    expect(leaked, `${name} must not publish these (tighten "files" in its package.json)`).toEqual([]);
  });

  it('@iris/cli ships the example provider as the template of `iris providers new`, tests included, without installs or build output', () => {
    const template = (packedFiles.get('@iris/cli') ?? []).filter((f) => f.startsWith(TEMPLATE)).map((f) => f.slice(TEMPLATE.length));
    expect(template).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'tsconfig.json',
        'tsconfig.build.json',
        'src/index.ts',
        'src/plugin.ts',
        'test/conformance.test.ts',
      ]),
    );
    expect(template.filter((f) => /(^|\/)(node_modules|dist)\/|\.tsbuildinfo$/.test(f))).toEqual([]);
  });

  it('scaffolds a provider with `iris providers new acme` from the installed CLI, which has no examples/ folder beside it', async () => {
    const created = await iris(['providers', 'new', 'acme'], dir);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('created iris-provider-acme in iris-provider-acme');
    const scaffold = join(dir, 'iris-provider-acme');
    for (const file of ['package.json', 'README.md', 'tsconfig.json', 'src/index.ts', 'src/plugin.ts', 'src/acme-platform.ts', 'test/conformance.test.ts']) {
      expect(existsSync(join(scaffold, file)), `the scaffold must contain ${file}`).toBe(true);
    }
    expect(existsSync(join(scaffold, 'node_modules')) || existsSync(join(scaffold, 'dist'))).toBe(false);
    expect((JSON.parse(readFileSync(join(scaffold, 'package.json'), 'utf8')) as Manifest).name).toBe('iris-provider-acme');
    const sources = readdirSync(join(scaffold, 'src'))
      .map((f) => readFileSync(join(scaffold, 'src', f), 'utf8'))
      .join('\n');
    expect(sources).toContain('AcmePlatform');
    expect(sources).not.toMatch(/hello/i);
  });

  it('installs @iris/cli for a local-only user without the gcp and manual providers or their libraries', () => {
    const installed = (scope: string): string[] => (existsSync(join(project, 'node_modules', scope)) ? readdirSync(join(project, 'node_modules', scope)) : []);
    expect(installed('@iris').sort()).toEqual(['cli', 'controller', 'core', 'provider-local', 'worker']);
    expect(installed('@google-cloud')).toEqual([]);
    expect(existsSync(join(project, 'node_modules/ssh2'))).toBe(false);
    // The bar is 40 MB (BENCHMARKS.md); the test allows for dependency drift without flaking on it.
    expect(localOnlyBytes).toBeLessThan(60e6);
  });

  it('runs the installed CLI, and tells a file that names an uninstalled provider the exact command, at its type', async () => {
    expect((await iris(['--version'])).code).toBe(0);
    const listed = await iris(['providers']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('not installed: gcp, tpu (npm i @iris/provider-gcp)');
    expect(listed.stdout).toContain('not installed: manual (npm i @iris/provider-manual)');
    writeFileSync(join(project, 'local.yaml'), 'provider: { type: local }\nscale_groups:\n  cpu: { resources: { cpu: 1, ram: 1GB } }\n');
    expect(await iris(['config', 'validate', 'local.yaml'])).toMatchObject({ code: 0 });
    writeFileSync(
      join(project, 'tpu.yaml'),
      'scale_groups:\n  tpus:\n    provider: { type: gcp, project_id: my-project, zones: [europe-west4-b] }\n    accelerator_type: tpu\n    accelerator_variant: v5litepod-4\n  lab:\n    provider: { type: manual, hosts: [10.0.0.1] }\n    resources: { cpu: 1, ram: 1GB }\n',
    );
    const refused = await iris(['config', 'validate', 'tpu.yaml']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'tpu.yaml:3:23 scale_groups.tpus.provider.type: provider "gcp" is not installed: run npm i @iris/provider-gcp (installed: local)',
    );
    expect(refused.stderr).toContain(
      'tpu.yaml:7:23 scale_groups.lab.provider.type: provider "manual" is not installed: run npm i @iris/provider-manual (installed: local)',
    );
  });

  it('runs a job on the local-only install: start, job run, stop, nothing left behind', async () => {
    const file = join(project, 'cluster.yaml');
    writeFileSync(
      file,
      `name: local-only-${process.pid}
controller:
  provider: { type: local, port: 0 }
  state_dir: ${stateDir}
  worker_timeout: 10s
defaults:
  autoscaler: { evaluation_interval: 500ms, requesting_timeout: 30s, scale_up_delay: 0s, scale_down_delay: 5m, startup_grace: 60s, heartbeat_grace: 30s }
scale_groups:
  cpu:
    provider: { type: local }
    resources: { cpu: 1, ram: 1GB, disk: 1GB }
    max_slices: 1
`,
    );
    const start = await iris(['start', '-c', file, '--detach']);
    expect(start.code, start.stderr).toBe(0);
    const work = join(dir, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'task.sh'), 'echo "local only $IRIS_TASK_INDEX"\n');
    const job = await iris(['job', 'run', '-c', file, '--cpu', '1', '--memory', '100MB', '--', 'sh', 'task.sh'], work);
    expect(job.code, `${job.stdout}\n${job.stderr}`).toBe(0);
    expect(job.stdout).toContain('local only 0');
    const stop = await iris(['stop', '-c', file]);
    expect(stop.code, stop.stderr).toBe(0);
    await until('every process of the cluster to exit', () => (processesMentioning(stateDir).length === 0 ? true : undefined), 60_000);
  }, 300_000);

  it('accepts the gcp and manual groups once their packages are installed', async () => {
    await npmInstall(OPTIONAL);
    const accepted = await iris(['config', 'validate', 'tpu.yaml']);
    expect(accepted.stderr).not.toContain('not installed');
    expect(accepted.stdout).toMatch(/valid \(2 groups/);
  });

  it('every README describes its package, with links that resolve inside the installed package', async () => {
    await npmInstall(packages.map((p) => p.name).filter((n) => !LOCAL_ONLY.includes(n) && !OPTIONAL.includes(n)));
    for (const pkg of packages) {
      const installedDir = realpathSync(join(project, 'node_modules', pkg.name));
      const readme = readFileSync(join(installedDir, 'README.md'), 'utf8');
      expect(readme.split('\n')[0], `${pkg.name}: README must open with the package name`).toContain(pkg.name);
      expect(readme.length, `${pkg.name}: README must describe the package`).toBeGreaterThan(400);
      expect(readme, `${pkg.name}: stale text`).not.toMatch(/in a later issue/i);
      for (const link of relativeLinks(readme)) {
        const target = resolve(installedDir, link);
        expect(relative(installedDir, target).startsWith('..'), `${pkg.name}: README links outside the package: ${link}`).toBe(false);
        expect(existsSync(target), `${pkg.name}: README links to ${link}, which the tarball does not ship`).toBe(true);
      }
    }
  });
});
