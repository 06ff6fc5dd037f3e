import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIris } from '../run-iris.js';
import { processesMentioning, until } from './support.js';

interface StatusJson {
  controller: { running: boolean; workers?: number };
  autoscaler?: { groups: { name: string; counts: { total: number; ready: number } }[]; recentActions: { type: string; group: string; reason: string }[] };
  jobs?: Record<string, number>;
}

describe('a local cluster that sizes itself (iris start → job → scale down → iris stop)', () => {
  let dir: string;
  let file: string;
  let stateDir: string;
  let env: Record<string, string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'iris-e2e-'));
    stateDir = join(dir, 'state');
    file = join(dir, 'cluster.yaml');
    // Delays shortened so the whole life of the cluster fits in a test.
    writeFileSync(
      file,
      `name: e2e-${process.pid}
controller:
  provider: { type: local, port: 0 }
  state_dir: ${stateDir}
  worker_timeout: 10s
defaults:
  autoscaler:
    evaluation_interval: 500ms
    requesting_timeout: 30s
    scale_up_delay: 0s
    scale_down_delay: 3s
    startup_grace: 60s
    heartbeat_grace: 30s
scale_groups:
  cpu:
    provider: { type: local }
    accelerator_type: cpu
    accelerator_variant: cpu
    slice_size: 1
    resources: { cpu: 1, ram: 1GB, disk: 1GB }
    min_slices: 0
    max_slices: 3
`,
    );
    writeFileSync(join(dir, 'task.sh'), 'sleep 1\necho "task $IRIS_TASK_INDEX done"\n');
    env = { HOME: dir };
  });

  afterAll(async () => {
    await runIris(['stop', '-c', file], { env, cwd: dir });
    for (const pid of processesMentioning(stateDir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const status = async (): Promise<StatusJson> => {
    const run = await runIris(['status', '-c', file, '--json'], { env, cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as StatusJson;
  };

  it('starts, scales up to the group limit for a 6-replica job, runs it, scales down and stops clean', { timeout: 240_000 }, async () => {
    const start = await runIris(['start', '-c', file, '--detach'], { env, cwd: dir });
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/controller at http:\/\/127\.0\.0\.1:\d+/);
    expect((await status()).controller.running).toBe(true);

    // The job waits for workers the autoscaler creates; the bundle is this test's folder.
    const run = await runIris(['job', 'run', '-c', file, '--name', '/e2e/six', '--replicas', '6', '--cpu', '1', '--memory', '100MB', '--', 'sh', 'task.sh'], {
      env,
      cwd: dir,
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('task 5 done');

    const afterJob = await status();
    expect(afterJob.jobs).toEqual({ SUCCEEDED: 1 });

    const ups = afterJob.autoscaler!.recentActions.filter((a) => a.type === 'scale_up');
    // Demand of six single-CPU tasks against a group of at most three one-CPU workers.
    expect(ups.length).toBe(3);
    expect(ups.every((a) => a.group === 'cpu')).toBe(true);

    // A gang (--group-by) over the workers of the group: placed at once, both succeed.
    const gang = await runIris(
      ['job', 'run', '-c', file, '--name', '/e2e/gang', '--replicas', '1', '--group-by', 'iris-group', '--cpu', '1', '--memory', '100MB', '--', 'true'],
      {
        env,
        cwd: dir,
      },
    );
    expect(gang.code, `${gang.stdout}\n${gang.stderr}`).toBe(0);
    const gangStatus = await runIris(['job', 'status', '-c', file, '/e2e/gang', '--json'], { env, cwd: dir });
    expect(JSON.parse(gangStatus.stdout)).toMatchObject({ job: { group_by: 'iris-group', state: 'SUCCEEDED' } });

    // Idle workers go away after scale_down_delay.
    await until('the idle workers to be scaled down', async () => ((await status()).autoscaler!.groups[0]!.counts.total === 0 ? true : undefined), 60_000);
    const down = (await status()).autoscaler!.recentActions.filter((a) => a.type.startsWith('scale_down'));
    expect(down.length).toBeGreaterThanOrEqual(3);

    const stop = await runIris(['stop', '-c', file], { env, cwd: dir });
    expect(stop.code, stop.stderr).toBe(0);
    await until('every iris process of the cluster to exit', async () => (processesMentioning(stateDir).length === 0 ? true : undefined), 20_000);
    const workersDir = join(stateDir, 'local-workers');
    expect(existsSync(workersDir) ? readdirSync(workersDir) : []).toEqual([]);
    expect(stop.stdout).toMatch(/cluster "[^"]+" stopped\n {2}controller: stopped/);
    // A stopped cluster is a failure for `iris status` (exit 1), still described on stdout.
    const after = await runIris(['status', '-c', file, '--json'], { env, cwd: dir });
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({ controller: { running: false } });
  });
});
