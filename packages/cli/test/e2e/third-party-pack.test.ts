import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../run-iris.js';
import { processesMentioning, until } from './support.js';

const run = promisify(execFile);

// What a user installs: the CLI, the packages it depends on, and the third-party example.
const WORKSPACES = [
  '@iris/core',
  '@iris/controller',
  '@iris/worker',
  '@iris/provider-local',
  '@iris/provider-manual',
  '@iris/provider-gcp',
  '@iris/cli',
  'iris-provider-hello',
];

describe('a third-party provider installed from packed tarballs (no workspace links)', () => {
  let dir: string;
  let project: string;
  let stateDir: string;
  let file: string;
  let iris: (args: string[], cwd?: string) => Promise<{ code: number; stdout: string; stderr: string }>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iris-third-party-'));
    project = join(dir, 'project');
    stateDir = join(dir, 'state');
    const tarballs = join(dir, 'tarballs');
    mkdirSync(project);
    mkdirSync(tarballs);
    // The example is not part of the CLI's build graph: make sure its dist is current.
    await run('npm', ['run', 'build', '-w', 'iris-provider-hello'], { cwd: REPO_ROOT });
    const packed = await run('npm', ['pack', '--json', '--pack-destination', tarballs, ...WORKSPACES.flatMap((w) => ['-w', w])], {
      cwd: REPO_ROOT,
      maxBuffer: 64 << 20,
    });
    const files = (JSON.parse(packed.stdout) as { filename: string }[]).map((p) => join(tarballs, p.filename));
    expect(files).toHaveLength(WORKSPACES.length);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-cluster', private: true, type: 'module' }));
    // --ignore-scripts: better-sqlite3 would otherwise compile itself (minutes on this machine).
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...files], {
      cwd: project,
      maxBuffer: 64 << 20,
    });
    // Instead of compiling better-sqlite3 again, reuse the workspace's build of the same version
    // (what its prebuilt-binary download would fetch); compile only when the versions differ.
    const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    const version = (root: string): string =>
      (JSON.parse(readFileSync(join(root, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
    if (!existsSync(join(project, addon))) {
      if (version(project) === version(REPO_ROOT)) {
        mkdirSync(join(project, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
        copyFileSync(join(REPO_ROOT, addon), join(project, addon));
      } else {
        await run('npm', ['rebuild', 'better-sqlite3'], { cwd: project });
      }
    }
    file = join(project, 'cluster.yaml');
    writeFileSync(
      file,
      `name: hello-${process.pid}
plugins: [hello]
controller:
  provider: { type: local, port: 0 }
  state_dir: ${stateDir}
  worker_timeout: 10s
defaults:
  autoscaler:
    evaluation_interval: 500ms
    requesting_timeout: 30s
    scale_up_delay: 0s
    scale_down_delay: 5m
    startup_grace: 60s
    heartbeat_grace: 30s
scale_groups:
  greeters:
    provider: { type: hello, greeting: bonjour }
    accelerator_type: cpu
    accelerator_variant: cpu
    resources: { cpu: 1, ram: 1GB, disk: 1GB }
    max_slices: 1
    priority: 1
  locals:
    provider: { type: local }
    accelerator_type: cpu
    accelerator_variant: cpu
    resources: { cpu: 1, ram: 1GB, disk: 1GB }
    max_slices: 1
    priority: 100
`,
    );
    const env = { ...process.env, HOME: dir, IRIS_DEBUG: undefined };
    // `npx iris` inside the project; elsewhere (the job's folder) the project's installed binary.
    iris = async (args, cwd = project) => {
      const [cmd, prefix] = cwd === project ? ['npx', ['--no-install', 'iris']] : [join(project, 'node_modules/.bin/iris'), []];
      try {
        const r = await run(cmd, [...prefix, ...args], { cwd, env, maxBuffer: 16 << 20 });
        return { code: 0, stdout: r.stdout, stderr: r.stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
  }, 600_000);

  afterAll(async () => {
    if (iris) await iris(['stop', '-c', file]);
    for (const pid of processesMentioning(stateDir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('installs real copies, one of @iris/core and one of tsyringe', () => {
    expect(existsSync(join(project, 'node_modules/iris-provider-hello/dist/index.js'))).toBe(true);
    expect(existsSync(join(project, 'node_modules/iris-provider-hello/node_modules'))).toBe(false);
    expect(existsSync(join(project, 'node_modules/@iris/cli/node_modules/@iris/core'))).toBe(false);
    expect(readdirSync(join(project, 'node_modules/@iris'))).toEqual(
      expect.arrayContaining(['cli', 'controller', 'core', 'provider-gcp', 'provider-local', 'provider-manual', 'worker']),
    );
  });

  it('`npx iris providers` lists hello, loaded through plugins:, beside the built-in providers', async () => {
    const listed = await iris(['providers', '-c', file, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const entries = JSON.parse(listed.stdout) as { type: string; packageName: string; version: string; source: string; aliases: string[] }[];
    expect(entries.map((e) => e.type).sort()).toEqual(['gcp', 'hello', 'local', 'manual']);
    const hello = entries.find((e) => e.type === 'hello');
    expect(hello).toMatchObject({ packageName: 'iris-provider-hello', version: '0.1.0', aliases: ['hi'] });
    expect(hello?.source).not.toBe(entries.find((e) => e.type === 'local')?.source);
  });

  it('`npx iris config validate` accepts a hello group beside a local group, and reports a bad hello key', async () => {
    const ok = await iris(['config', 'validate', file]);
    expect(ok.code, `${ok.stdout}\n${ok.stderr}`).toBe(0);
    const bad = join(project, 'bad.yaml');
    writeFileSync(bad, readFileSync(file, 'utf8').replace('greeting: bonjour', 'greeting: bonjour, colour: red'));
    const refused = await iris(['config', 'validate', bad]);
    expect(refused.code).toBe(2);
    expect(`${refused.stdout}${refused.stderr}`).toMatch(/bad\.yaml:\d+:\d+ scale_groups\.greeters\.provider/);
  });

  it('runs a job on a hello worker: start, job run, stop, nothing left behind', async () => {
    const start = await iris(['start', '-c', file, '--detach']);
    expect(start.code, start.stderr).toBe(0);
    const work = join(dir, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'task.sh'), 'echo "hello from $IRIS_TASK_INDEX"\n');
    const job = await iris(['job', 'run', '-c', file, '--name', '/hello/greet', '--cpu', '1', '--memory', '100MB', '--', 'sh', 'task.sh'], work);
    expect(job.code, `${job.stdout}\n${job.stderr}`).toBe(0);
    expect(job.stdout).toContain('hello from 0');

    const status = await iris(['status', '-c', file, '--json']);
    const parsed = JSON.parse(status.stdout) as { autoscaler: { recentActions: { type: string; group: string }[] } };
    const ups = parsed.autoscaler.recentActions.filter((a) => a.type === 'scale_up');
    expect(ups.map((a) => a.group)).toEqual(['greeters']);
    expect(existsSync(join(stateDir, 'hello-workers'))).toBe(true);

    const stop = await iris(['stop', '-c', file]);
    expect(stop.code, stop.stderr).toBe(0);
    await until('every process of the cluster to exit', () => (processesMentioning(stateDir).length === 0 ? true : undefined), 30_000);
    expect(readdirSync(join(stateDir, 'hello-workers'))).toEqual([]);
  }, 180_000);
});
