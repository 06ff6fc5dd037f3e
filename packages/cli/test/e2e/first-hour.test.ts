import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIris, type IrisRun } from '../run-iris.js';
import { processesMentioning, until } from './support.js';

const WAIT_MS = 60_000;

/**
 * A new user's first hour, as the README walks it: from a fresh folder and an empty HOME, write a
 * job script, start the built-in local cluster, run the job, read its logs, look at status,
 * explain and the dashboard link, submit a job that can never run, mistype a flag, stop. Each
 * command must exit as documented and print no stack trace and no raw millisecond figure.
 */
describe('the first hour with iris, from an empty folder', () => {
  let root: string;
  let home: string;
  let project: string;
  let env: Record<string, string | undefined>;

  /** Runs iris in the project as the user would, checking what every command must never print. */
  const iris = async (args: string[], expectCode: number, cwd = project): Promise<IrisRun & { all: string }> => {
    const run = await runIris(args, { env, cwd });
    const all = `${run.stdout}${run.stderr}`;
    expect(run.code, `iris ${args.join(' ')}\n${all}`).toBe(expectCode);
    // No stack trace and no raw milliseconds (`300463ms`): durations read as 5m0s.
    expect(all, `iris ${args.join(' ')} printed a stack trace`).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(all, `iris ${args.join(' ')} printed raw milliseconds`).not.toMatch(/\b\d{4,}\s?ms\b/);
    return { ...run, all };
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'iris-first-hour-'));
    home = join(root, 'home');
    project = join(root, 'my-first-project');
    mkdirSync(home);
    mkdirSync(project);
    // Nothing of the machine's own Iris setup leaks in: a new HOME, no controller or token in the environment.
    env = { HOME: home, IRIS_CONTROLLER: undefined, IRIS_TOKEN: undefined, XDG_CONFIG_HOME: undefined };
    writeFileSync(join(project, 'train.sh'), '#!/bin/sh\necho "loading data"\necho "epoch 1 loss 0.42"\necho "training done"\n', { mode: 0o755 });
    writeFileSync(join(project, 'README.md'), '# my first Iris project\n');
  });

  afterAll(async () => {
    await runIris(['stop'], { env, cwd: project });
    for (const pid of processesMentioning(home)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(root, { recursive: true, force: true });
  }, 120_000);

  it('iris --help and iris --version answer before anything is set up', async () => {
    expect((await iris(['--version'], 0)).stdout).toMatch(/^\d+\.\d+\.\d+/);
    const help = await iris(['--help'], 0);
    for (const command of ['start', 'stop', 'status', 'job', 'dashboard']) expect(help.stdout).toContain(command);
  });

  it('iris start brings up the built-in local cluster and says what to do next', async () => {
    const start = await iris(['start', '--detach'], 0);
    expect(start.stdout).toMatch(/controller at http:\/\/127\.0\.0\.1:\d+/);
    expect(start.stdout).toContain('iris job run');
  }, 180_000);

  it('iris job run packs the folder, runs the script, streams its output and exits 0', async () => {
    const run = await iris(['job', 'run', '--name', '/first/train', '--', 'sh', 'train.sh'], 0);
    expect(run.stdout).toContain('[/first/train/0] loading data');
    expect(run.stdout).toContain('[/first/train/0] training done');
    expect(run.stderr).toContain('/first/train SUCCEEDED');
  }, 180_000);

  it('iris job logs prints the lines again', async () => {
    const logs = await iris(['job', 'logs', '/first/train'], 0);
    expect(logs.stdout).toContain('epoch 1 loss 0.42');
    expect(logs.stdout.indexOf('loading data')).toBeLessThan(logs.stdout.indexOf('training done'));
  });

  it('a job from an empty folder runs too (no bundle to pack)', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const run = await iris(['job', 'run', '--', 'echo', 'hi from nowhere'], 0, empty);
    expect(run.stdout).toContain('hi from nowhere');
    expect(run.stderr).toContain('empty folder');
  }, 180_000);

  it('iris status shows the controller, the group, its slices and workers, and the jobs', async () => {
    const status = await iris(['status'], 0);
    expect(status.stdout).toMatch(/controller running at http:\/\/127\.0\.0\.1:\d+/);
    expect(status.stdout).toMatch(/\bcpu\b.*\blocal\b/);
    expect(status.stdout).toContain('SUCCEEDED');
    // The README promises slices (with their state and worker) and workers.
    expect(status.stdout).toMatch(/slices:\n\s*GROUP\s+SLICE\s+STATE/);
    expect(status.stdout).toMatch(/\bcpu\s+\S+\s+ready\b/);
    expect(status.stdout).toMatch(/workers:\n\s*WORKER\s+ADDRESS/);
    const json = await iris(['status', '--json'], 0);
    expect(() => JSON.parse(json.stdout)).not.toThrow();
  });

  it('iris autoscaler explain says why the group is at its size', async () => {
    const explain = await iris(['autoscaler', 'explain'], 0);
    expect(explain.stdout).toContain('group cpu');
    expect(explain.stdout).toMatch(/scale_up/);
  });

  it('iris dashboard prints a one-time sign-in link that works in a browser', async () => {
    const dashboard = await iris(['dashboard'], 0);
    const link = dashboard.stdout.trim();
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dashboard\/login\?code=[A-Za-z0-9_-]+$/);
    expect(dashboard.stderr).toContain('works once');
    const signIn = await fetch(link, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(new URL('/api/v1/jobs', link), { headers: { cookie } });
    expect(page.status).toBe(200);
  });

  it('a job that can never run says why it waits, then fails with that reason', async () => {
    const run = await iris(['job', 'run', '--name', '/first/needs-gpu', '--gpu', '1', '--scheduling-timeout', '5s', '--', 'sh', 'train.sh'], 1);
    expect(run.stderr).toMatch(/\/first\/needs-gpu waiting: .*gpu/);
    expect(run.stderr).toMatch(/\/first\/needs-gpu UNSCHEDULABLE: not scheduled within 5s: .*gpu/);
  }, 180_000);

  it('a mistyped flag exits 2 and names the flag', async () => {
    const bad = await iris(['job', 'run', '--cpu', 'lots', '--', 'sh', 'train.sh'], 2);
    expect(bad.stderr).toContain('--cpu');
    const unknown = await iris(['job', 'run', '--gpus', '1', '--', 'true'], 2);
    expect(unknown.stderr).toContain('--gpus');
    const worker = await iris(['worker', '--cpu', '-1'], 2);
    expect(worker.stderr).toContain('--cpu');
  });

  it('iris providers lists what is installed', async () => {
    const providers = await iris(['providers'], 0);
    for (const type of ['local', 'manual', 'gcp']) expect(providers.stdout).toMatch(new RegExp(`^${type}\\b`, 'm'));
  });

  it('iris stop stops everything it started and leaves no process behind', async () => {
    const stop = await iris(['stop'], 0);
    expect(stop.all).toMatch(/stopped/);
    await until(
      'every process of the local cluster to exit',
      () => (processesMentioning(home).length === 0 ? true : undefined),
      WAIT_MS,
      () => `still running: ${processesMentioning(home).join(', ')}`,
    );
    const status = await iris(['status'], 1);
    expect(status.all).toContain('not running');
  }, 180_000);
});
