import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IRIS_BIN, runIris } from '../run-iris.js';
import { until } from './support.js';

/**
 * As a user runs it: a controller and a worker by hand, a job run from an empty folder whose task
 * writes outputs and starts a child job with plain `iris job run` (its parent inherited), logs per
 * job or with children, the files downloaded and checked.
 */
describe('job hierarchy and outputs through the CLI', () => {
  let dir: string;
  let stateDir: string;
  let empty: string;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];

  const daemon = (args: string[]): ChildProcess => {
    const child = spawn(process.execPath, [IRIS_BIN, ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) console.error(`iris ${args[0]} exited ${code}: ${stderr}`);
    });
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iris-e2e-tree-'));
    stateDir = join(dir, 'state');
    empty = join(dir, 'empty');
    mkdirSync(empty);
    env = { HOME: dir };
    daemon(['controller', 'serve', '--state-dir', stateDir]);
    const info = await until(
      'controller.json',
      () =>
        existsSync(join(stateDir, 'controller.json')) ? (JSON.parse(readFileSync(join(stateDir, 'controller.json'), 'utf8')) as { url: string }) : undefined,
      60_000,
    );
    daemon(['worker', '--controller', info.url, '--token-file', join(stateDir, 'token'), '--work-dir', join(dir, 'worker'), '--cpu', '4', '--memory', '4GB']);
    await until(
      'a registered worker',
      async () => {
        const run = await runIris(['status', '--state-dir', stateDir, '--json'], { env, cwd: dir });
        return run.code === 0 && (JSON.parse(run.stdout) as { controller: { workers?: number } }).controller.workers === 1 ? true : undefined;
      },
      60_000,
    );
  }, 120_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs from an empty folder, inherits the parent inside a task, keeps logs per job, downloads outputs', { timeout: 240_000 }, async () => {
    const script = [
      'echo parent-line',
      'mkdir -p "$IRIS_OUTPUT_DIR/sub"',
      'echo data > "$IRIS_OUTPUT_DIR/sub/f.txt"',
      `"${process.execPath}" "${IRIS_BIN}" job run --name eval --cpu 0 --memory 0 -- echo child-line`,
    ].join(' && ');
    const run = await runIris(['job', 'run', '--state-dir', stateDir, '--name', '/e2e/parent', '--cpu', '0', '--memory', '0', '--', 'sh', '-c', script], {
      env,
      cwd: empty,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/no bundle: empty folder/);
    expect(run.stdout).toContain('[/e2e/parent/0] parent-line');

    const list = await runIris(['job', 'list', '--state-dir', stateDir, '--json'], { env, cwd: dir });
    const jobs = JSON.parse(list.stdout) as { name: string; parent?: string; children: number; state: string }[];
    expect(jobs.find((j) => j.name === '/e2e/parent/eval')).toMatchObject({ parent: '/e2e/parent', state: 'SUCCEEDED' });
    expect(jobs.find((j) => j.name === '/e2e/parent')).toMatchObject({ children: 1 });

    const jobStatus = await runIris(['job', 'status', '/e2e/parent', '--state-dir', stateDir], { env, cwd: dir });
    expect(jobStatus.stdout).toMatch(/children: 1/);
    expect(jobStatus.stdout).toMatch(/RAN/);
    expect(jobStatus.stdout).toMatch(/\/e2e\/parent\/0\s+SUCCEEDED\s+0\s+\S+\s+0\s+([0-9]+ms|[0-9]+s|[0-9]+m[0-9]+s)\s/);
    const childStatus = await runIris(['job', 'status', '/e2e/parent/eval', '--state-dir', stateDir], { env, cwd: dir });
    expect(childStatus.stdout).toMatch(/parent: \/e2e\/parent/);

    // A job's logs are its own; its children's only when asked for.
    const own = await runIris(['job', 'logs', '/e2e/parent', '--state-dir', stateDir], { env, cwd: dir });
    expect(own.stdout).toContain('parent-line');
    // (The parent's task printed its child's lines itself, prefixed with its own task id.)
    expect(own.stdout).not.toMatch(/^\[\/e2e\/parent\/eval\/0\] child-line$/m);
    const tree = await runIris(['job', 'logs', '/e2e/parent', '--children', '--state-dir', stateDir], { env, cwd: dir });
    expect(tree.stdout).toMatch(/^\[\/e2e\/parent\/eval\/0\] child-line$/m);

    const out = join(dir, 'downloaded');
    const dl = await runIris(['job', 'download', '/e2e/parent', '-o', out, '--state-dir', stateDir], { env, cwd: dir });
    expect(dl.code, dl.stderr).toBe(0);
    expect(readFileSync(join(out, '0', 'sub', 'f.txt'), 'utf8')).toBe('data\n');

    // `iris status` takes the same connection options as every other command, and without scale
    // groups still lists what the controller knows.
    const status = await runIris(['status', '--state-dir', stateDir], { env, cwd: dir });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/no scale groups: .*restart it with `iris controller serve -c FILE`/i);
    expect(status.stdout).toMatch(/workers:\n.*WORKER.*\n.*127\.0\.0\.1|workers:\n\s*WORKER/);
    expect(status.stdout).toMatch(/jobs: .*2 SUCCEEDED/);
    expect(status.stdout).not.toMatch(/[0-9]{4,}ms/);
    const explain = await runIris(['autoscaler', 'explain', '--state-dir', stateDir], { env, cwd: dir });
    expect(`${explain.stdout}${explain.stderr}`).toMatch(/-c FILE/);

    const gs = await runIris(['job', 'run', '--state-dir', stateDir, '--outputs', 'gs://bucket/x', '--', 'true'], { env, cwd: empty });
    expect(gs.code).toBe(2);
    expect(gs.stderr).toMatch(/--outputs gs:\/\/bucket\/x: .*iris job download/);
  });
});
