import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IrisClient, type JobView, type WorkerView } from '@iris/core/api';
import { packProgram } from '@iris/core/bootstrap';
import { SshdHarness, killProcessesMentioning, processesMentioning } from '@iris/provider-manual/testing';
import { REPO_ROOT, runIris } from '../run-iris.js';
import { freePort, until } from './support.js';

// Three "lab machines": real sshd on 127.0.0.2, .3 and .4, reached as root with a generated key and
// host keys checked against a known_hosts file. Every `iris` below is the real, built executable.
const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'] as const;
const sshd = new SshdHarness();
let dir: string;
let workerRoot: string;

/** Worker pid files left on the hosts (all three share this machine's file system). */
function pidFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((d) => existsSync(join(root, d, 'pid')));
}

function hostEntry(address: string): string {
  return `${address}:${sshd.host(address).port}`;
}

const AUTOSCALER = `defaults:
  timeouts: { boot: 60s, init: 60s, ssh_poll_interval: 500ms }
  autoscaler:
    evaluation_interval: 500ms
    requesting_timeout: 60s
    scale_up_delay: 0s
    scale_down_delay: 2s
    startup_grace: 90s
    heartbeat_grace: 30s`;

function manualProvider(hosts: readonly string[]): string {
  return `{ type: manual, hosts: [${hosts.map(hostEntry).join(', ')}], ssh_user: root, ssh_key_file: ${sshd.clientKey}, known_hosts_file: ${sshd.knownHosts}, worker_dir: ${workerRoot} }`;
}

interface StatusJson {
  controller: { running: boolean; workers?: number; via?: string };
  autoscaler?: { groups: { name: string; counts: { total: number; ready: number } }[]; recentActions: { type: string; group: string }[] };
  hosts?: { host: string; step: string; error: string }[];
}

let failed = false;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iris-manual-e2e-'));
  workerRoot = join(dir, 'hosts');
  // Warm the per-user program cache (HOME is dir below) while the sshd servers start: every
  // process of both clusters (the CLI, a local controller; a controller on a host gets the tarball
  // shipped with it) then reuses this one tarball instead of packing ~30 MB again.
  await Promise.all([
    sshd.start(HOSTS),
    packProgram({ packageDir: join(REPO_ROOT, 'packages/cli'), entry: 'bin/iris.js', outDir: join(dir, '.cache/iris/programs') }),
  ]);
}, 120_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  // Workers and controllers started over SSH outlive their sessions by design: reap them all.
  await killProcessesMentioning(dir);
  await sshd.stop();
  if (failed) {
    // Keep the evidence: state dirs with the controllers' logs, the workers' logs under hosts/.
    for (const state of ['state-a', 'state-b']) {
      const log = join(dir, state, 'controller.log');
      if (existsSync(log)) console.error(`--- ${log} (tail)\n${readFileSync(log, 'utf8').split('\n').slice(-40).join('\n')}`);
    }
    console.error(`manual e2e failed: kept ${dir}`);
  } else {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

async function statusOf(file: string, env: Record<string, string>): Promise<StatusJson> {
  const run = await runIris(['status', '-c', file, '--json'], { env, cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as StatusJson;
}

async function clientOf(stateDir: string): Promise<IrisClient> {
  const info = JSON.parse(readFileSync(join(stateDir, 'controller.json'), 'utf8')) as { url: string };
  return new IrisClient({ baseUrl: info.url, token: readFileSync(join(stateDir, 'token'), 'utf8').trim() });
}

async function finished(client: IrisClient, name: string): Promise<JobView> {
  return until(
    `job ${name} to finish`,
    async () => {
      const job = await client.getJob(name);
      return ['SUCCEEDED', 'FAILED', 'KILLED', 'UNSCHEDULABLE', 'WORKER_FAILED'].includes(job.state) ? job : undefined;
    },
    90_000,
  );
}

describe('a manual group over three SSH hosts beside a local group', () => {
  it('runs constrained jobs on the manual workers, scales the group to zero and up again, and stops clean', async () => {
    const stateDir = join(dir, 'state-a');
    const file = join(dir, 'cluster-a.yaml');
    const env = { HOME: dir };
    writeFileSync(
      file,
      `name: manual-e2e-${process.pid}
controller:
  provider: { type: local, port: 0 }
  state_dir: ${stateDir}
  worker_timeout: 10s
${AUTOSCALER}
scale_groups:
  lab:
    provider: ${manualProvider(HOSTS)}
    accelerator_type: cpu
    accelerator_variant: cpu
    resources: { cpu: 1, ram: 1GB, disk: 1GB }
    min_slices: 0
    max_slices: 3
  cpu:
    provider: { type: local }
    accelerator_type: cpu
    accelerator_variant: cpu
    resources: { cpu: 1, ram: 1GB, disk: 1GB }
    min_slices: 0
    max_slices: 1
`,
    );
    const start = await runIris(['start', '-c', file, '--detach'], { env, cwd: dir });
    expect(start.code, start.stderr).toBe(0);
    const client = await clientOf(stateDir);
    const onLab = { constraints: [{ key: 'scale-group', op: 'eq' as const, value: 'lab' }], resources: { cpu: 1, memory_bytes: 100e6 } };

    await client.submitJob({ name: '/lab/first', command: ['sh', '-c', 'echo ran on $IRIS_VM_ADDRESS'], replicas: 2, ...onLab });
    expect((await finished(client, '/lab/first')).state).toBe('SUCCEEDED');
    const workers: WorkerView[] = (await client.listWorkers()).items;
    const lab = workers.filter((w) => w.attributes['scale-group'] === 'lab');
    expect(lab.length).toBeGreaterThanOrEqual(1);
    for (const w of lab) {
      // Registered under the slice's VM id, at the address of the host it runs on.
      expect(HOSTS as readonly string[]).toContain(w.address);
      expect(w.attributes['iris-host']).toBe(hostEntry(w.address));
      expect(w.worker_id).toMatch(/-lab-[0-9a-f]{10}-0$/);
    }
    expect(workers.filter((w) => w.attributes['scale-group'] === 'cpu')).toEqual([]);

    await until(
      'the idle lab group to scale down to zero',
      async () => {
        const lab = (await client.autoscalerStatus<NonNullable<StatusJson['autoscaler']>>()).groups.find((g) => g.name === 'lab')!;
        // The autoscaler forgets a slice when its termination starts; the worker is gone a moment later.
        return lab.counts.total === 0 && pidFiles(workerRoot).length === 0 ? true : undefined;
      },
      60_000,
    );

    // New demand brings a manual worker back.
    await client.submitJob({ name: '/lab/second', command: ['true'], ...onLab });
    expect((await finished(client, '/lab/second')).state).toBe('SUCCEEDED');
    const ups = (await statusOf(file, env)).autoscaler!.recentActions.filter((a) => a.type === 'scale_up' && a.group === 'lab');
    expect(ups.length).toBeGreaterThanOrEqual(2);

    const stop = await runIris(['stop', '-c', file], { env, cwd: dir });
    expect(stop.code, stop.stderr).toBe(0);
    await until(
      'every process of the cluster to exit',
      async () => (processesMentioning(stateDir).length + processesMentioning(workerRoot).length === 0 ? true : undefined),
      20_000,
    );
    expect(pidFiles(workerRoot)).toEqual([]);
  }, 170_000);
});

describe('the controller bootstrapped on a host over SSH', () => {
  it('starts on 127.0.0.2 with workers on .3 and .4, takes a job through the tunnel, and is removed by iris stop', async () => {
    const stateDir = join(dir, 'state-b');
    const file = join(dir, 'cluster-b.yaml');
    const env = { HOME: dir };
    const port = await freePort();
    writeFileSync(
      file,
      `name: manual-ctl-${process.pid}
controller:
  provider: { type: manual, host: ${hostEntry(HOSTS[0])}, port: ${port}, ssh_user: root, ssh_key_file: ${sshd.clientKey}, known_hosts_file: ${sshd.knownHosts} }
  state_dir: ${stateDir}
  worker_timeout: 10s
${AUTOSCALER}
scale_groups:
  lab:
    provider: ${manualProvider([HOSTS[1], HOSTS[2]])}
    accelerator_type: cpu
    accelerator_variant: cpu
    resources: { cpu: 1, ram: 1GB, disk: 1GB }
    min_slices: 0
    max_slices: 2
`,
    );
    // The job's own folder: `job run` packs its working directory, and dir holds live state
    // (SQLite files being written, the program cache, the hosts' worker dirs).
    const work = join(dir, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'hello.sh'), 'echo "hello from $IRIS_VM_ADDRESS"\n');
    const start = await runIris(['start', '-c', file, '--detach'], { env, cwd: dir });
    expect(start.code, `${start.stdout}\n${start.stderr}`).toBe(0);
    expect(start.stdout).toMatch(/controller at http:\/\/127\.0\.0\.2:\d+/);

    const status = await statusOf(file, env);
    expect(status.controller.running).toBe(true);
    expect(status.controller.via).toMatch(/^ssh tunnel http:\/\/127\.0\.0\.1:\d+$/);

    const run = await runIris(['job', 'run', '-c', file, '--name', '/ctl/hello', '--cpu', '1', '--memory', '100MB', '--', 'sh', 'hello.sh'], {
      env,
      cwd: work,
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/hello from 127\.0\.0\.[34]/);

    const stop = await runIris(['stop', '-c', file], { env, cwd: dir });
    expect(stop.code, stop.stderr).toBe(0);
    await until(
      'the controller and its workers to exit',
      async () => (processesMentioning(stateDir).length + processesMentioning(workerRoot).length === 0 ? true : undefined),
      20_000,
    );
    expect(existsSync(join(stateDir, 'pid'))).toBe(false);
    expect(pidFiles(workerRoot)).toEqual([]);
  }, 170_000);
});
