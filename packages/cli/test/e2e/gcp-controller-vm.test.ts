import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshdHarness } from '@iris/provider-manual/testing';
import { GceVmPlayer } from '../../../provider-gcp/test/emulator/gce-vm-player.js';
import type { GcpEmulator } from '../../../provider-gcp/test/emulator/gcp-emulator.js';
import type { TpuVmPlayer } from '../../../provider-gcp/test/emulator/tpu-vm-player.js';
import { IRIS_BIN, runIris, type IrisRun } from '../run-iris.js';
import { attachTpuPlayer, cleanUpCluster, gcpProvider, PROJECT, startGcpEmulator, WORKER_IMAGE } from './gcp-harness.js';
import { freePort, processesMentioning, until } from './support.js';

const ZONE = 'europe-west4-b';
/** The controller VM: its internal and external address (GCP's emulated VMs use 127.0.0.20–40). */
const CONTROLLER_VM = '127.0.0.20';
const BUCKET = 'iris-e2e-state';

/** A long-running `iris` (logs -f, dashboard): its output so far and its exit. */
interface IrisChild {
  child: ChildProcess;
  out(): string;
  err(): string;
  exit: Promise<number | null>;
}

interface StatusJson {
  controller: { running: boolean; address?: string; via?: string; workers?: number };
  autoscaler?: { groups: { name: string; counts: { total: number; ready: number } }[] };
}

/**
 * The whole production path on emulated Google Cloud: `iris start` creates the controller as a GCE
 * VM (its startup script runs here, mounting the emulated state disk and running `iris controller
 * serve -c <cluster file from metadata> --advertise-url http://127.0.0.20:PORT`); that controller
 * creates TPU nodes whose hosts, on their own loopback addresses, run their startup scripts and dial
 * the advertised address. The CLI reaches the controller only through the SSH tunnel to the VM.
 */
describe('a cluster whose controller is a GCE VM (emulated), reached through the SSH tunnel', () => {
  let dir: string;
  let work: string;
  let file: string;
  let env: Record<string, string>;
  let emulator: GcpEmulator;
  let gce: GceVmPlayer;
  let tpus: TpuVmPlayer;
  let sshd: SshdHarness;
  let stopped = false;
  const cluster = `gcpvm-${process.pid}`;
  const instance = `iris-controller-${cluster}`;

  const iris = (args: string[]): Promise<IrisRun> =>
    runIris([...args.slice(0, 1), ...(args[0] === 'job' ? [args[1]!, '-c', file, ...args.slice(2)] : ['-c', file, ...args.slice(1)])], { env, cwd: work });
  const explain = (): string => `${gce.logs(instance)}\n${tpus.liveWorkers().join(', ')}`;
  const children: ChildProcess[] = [];
  const spawnIris = (args: string[]): IrisChild => {
    const child = spawn(process.execPath, [IRIS_BIN, ...args], {
      cwd: work,
      env: { ...process.env, IRIS_DEBUG: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return { child, out: () => out, err: () => err, exit };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iris-gcpvm-e2e-'));
    work = join(dir, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'hello.sh'), 'echo "hello from $TPU_NAME worker $TPU_WORKER_ID"\n');
    sshd = new SshdHarness();
    await sshd.start([CONTROLLER_VM]);
    let endpoint: string;
    ({ emulator, endpoint } = await startGcpEmulator());
    emulator.compute.operationPolls = 0;
    emulator.compute.instanceIp = CONTROLLER_VM;
    emulator.compute.externalIp = CONTROLLER_VM;
    let nextHost = 21;
    emulator.tpu.ipAllocator = () => `127.0.0.${nextHost > 40 ? (nextHost = 21) : nextHost++}`;
    gce = new GceVmPlayer({
      rootDir: join(dir, 'gce'),
      diskDir: join(dir, 'disks'),
      entrypoint: [process.execPath, IRIS_BIN],
      hostKey: () => sshd.host(CONTROLLER_VM).hostKeyPub,
    });
    await gce.attach(emulator.compute);
    emulator.storage.createBucket(BUCKET);
    tpus = await attachTpuPlayer(emulator, join(dir, 'tpu'));
    file = join(dir, 'cluster.yaml');
    writeFileSync(
      file,
      `name: ${cluster}
controller:
  provider:
    type: gcp
    project_id: ${PROJECT}
    zone: ${ZONE}
    port: ${await freePort()}
    api_endpoint: "${endpoint}"
    state_mount: ${join(dir, 'controller-state')}
    state_bucket: ${BUCKET}
    state_snapshot_interval: 2s
    state_snapshots_kept: 3
  image: europe-docker.pkg.dev/${PROJECT}/iris/iris-controller:e2e
  state_dir: ${join(dir, 'local-state')}
  worker_timeout: 10s
defaults:
  ssh: { user: root, port: ${sshd.host(CONTROLLER_VM).port}, key_file: ${sshd.clientKey} }
  bootstrap: { docker_image: "${WORKER_IMAGE}", cache_dir: ${join(dir, 'cache')} }
  autoscaler:
    evaluation_interval: 500ms
    scale_up_delay: 0s
    scale_down_delay: 10m
    startup_grace: 120s
    heartbeat_grace: 30s
scale_groups:
  tpu:
    provider: ${gcpProvider(endpoint, [ZONE])}
    accelerator_type: tpu
    accelerator_variant: v4-16
    slice_size: 2
    resources: { cpu: 2, ram: 4GB, disk: 1GB, tpu_count: 4 }
    min_slices: 0
    max_slices: 1
`,
    );
    env = { HOME: dir };
  }, 120_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await cleanUpCluster({ file, dir, cwd: work, stopped, close: [() => gce.close(), () => tpus.close(), () => emulator.stop(), () => sshd.stop()] });
  }, 120_000);

  const status = async (): Promise<StatusJson> => {
    const run = await iris(['status', '--json']);
    expect(run.code, `${run.stdout}\n${run.stderr}\n${explain()}`).toBe(0);
    return JSON.parse(run.stdout) as StatusJson;
  };

  it('starts the controller VM, runs a job on TPU workers, survives the VM being replaced, and stops', async () => {
    // ── iris start: a GCE VM with the state disk; up once its autoscaler answers through the tunnel ──
    const start = await iris(['start', '--detach']);
    expect(start.code, `${start.stdout}\n${start.stderr}\n${explain()}`).toBe(0);
    expect(start.stdout).toMatch(new RegExp(`cluster "${cluster}": controller at http://127\\.0\\.0\\.20:\\d+`));
    expect([...emulator.compute.disks.values()].map((d) => d.name)).toEqual([`iris-state-${cluster}`]);
    const first = await status();
    expect(first.controller).toMatchObject({ running: true, via: expect.stringMatching(/^ssh tunnel http:\/\/127\.0\.0\.1:\d+$/) });

    // ── a job on the TPU workers, which dial the advertised VPC address ──
    const run = await iris(['job', 'run', '--name', '/e2e/tpu', '--tpu', 'v4-16', '--', 'sh', 'hello.sh']);
    expect(run.code, `${run.stdout}\n${run.stderr}\n${explain()}`).toBe(0);
    expect(run.stdout).toMatch(/hello from \S+ worker [01]/);
    const node = [...emulator.tpu.nodes.values()][0]!;
    expect(node.metadata['startup-script']).toMatch(/IRIS_CONTROLLER_ADDRESS='http:\/\/127\.0\.0\.20:\d+'/);
    expect(node.networkEndpoints.map((e) => e.ipAddress)).toEqual(['127.0.0.21', '127.0.0.22']);
    // The master token stays on the controller's disk: neither VM's metadata carries it.
    const masterToken = readFileSync(join(dir, 'controller-state', 'token'), 'utf8').trim();
    expect(masterToken.length).toBeGreaterThan(10);
    expect(JSON.stringify(node.metadata)).not.toContain(masterToken);
    expect(JSON.stringify([...emulator.compute.instances.values()].map((i) => i.metadata))).not.toContain(masterToken);

    // ── iris job logs -f through the tunnel: lines arrive while the job runs; exit 0 when it ends ──
    const release = join(dir, 'release-lines');
    const submit = await iris([
      'job',
      'run',
      '--name',
      '/e2e/lines',
      '--detach',
      '--cpu',
      '0.1',
      '--memory',
      '100MB',
      '--',
      'sh',
      '-c',
      `for i in 1 2 3; do echo line-$i; sleep 1; done; while [ ! -e '${release}' ]; do sleep 0.2; done; echo line-end`,
    ]);
    expect(submit.code, `${submit.stdout}\n${submit.stderr}\n${explain()}`).toBe(0);
    const follow = spawnIris(['job', 'logs', '-c', file, '-f', '/e2e/lines']);
    await until(
      'iris job logs -f to stream line-3 while the job runs',
      () => (follow.out().includes('line-3') ? true : undefined),
      120_000,
      () => `${follow.out()}\n${follow.err()}\n${explain()}`,
    );
    expect(follow.out()).not.toContain('line-end');
    expect(follow.child.exitCode).toBeNull();
    writeFileSync(release, '');
    const followed = await Promise.race([follow.exit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 120_000))]);
    expect(followed, `${follow.out()}\n${follow.err()}`).toBe(0);
    expect(follow.out()).toMatch(/line-1[\s\S]*line-2[\s\S]*line-3[\s\S]*line-end/);

    // ── iris dashboard through the tunnel: a one-time link that works while the command runs ──
    const dashboard = spawnIris(['dashboard', '-c', file]);
    const link = await until(
      'iris dashboard to print its sign-in link',
      () => /^(http:\/\/127\.0\.0\.1:\d+\/dashboard\/login\?code=\S+)$/m.exec(dashboard.out())?.[1],
      120_000,
      () => `${dashboard.out()}\n${dashboard.err()}`,
    );
    const login = await fetch(link, { redirect: 'manual' });
    expect(login.status).toBe(303);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(/=/);
    const page = await fetch(new URL('/dashboard/', link), { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<html[\s\S]*Iris/i);
    const jobsApi = await fetch(new URL('/api/v1/jobs', link), { headers: { cookie } });
    expect(jobsApi.status).toBe(200);
    expect(await jobsApi.text()).toContain('/e2e/lines');
    expect(dashboard.child.exitCode).toBeNull();
    dashboard.child.kill('SIGINT');
    expect(await dashboard.exit).toBe(0);
    // The tunnel closed with the command.
    await expect(fetch(new URL('/dashboard/', link))).rejects.toThrow();

    // ── the VM is lost; a new one attaches the same disk and finds the job ──
    const op = emulator.compute.delete(PROJECT, ZONE, instance);
    emulator.compute.getOperation(PROJECT, ZONE, String(op.name));
    expect(emulator.compute.instances.size).toBe(0);
    const down = await iris(['status']);
    expect(down.code).toBe(1);
    const again = await iris(['start', '--detach']);
    expect(again.code, `${again.stdout}\n${again.stderr}\n${explain()}`).toBe(0);
    expect(emulator.compute.disks.size).toBe(1);
    const jobs = await iris(['job', 'list', '--json']);
    expect(jobs.code, jobs.stderr).toBe(0);
    expect(jobs.stdout).toContain('/e2e/tpu');
    expect(jobs.stdout).toMatch(/"state":\s*"SUCCEEDED"/);
    // The TPU slice was adopted, not recreated.
    await until(
      'the adopted slice to be counted',
      async () => ((await status()).autoscaler?.groups[0]?.counts.total === 1 ? true : undefined),
      60_000,
      explain,
    );
    expect(emulator.requests.filter((r) => r.startsWith('POST') && r.endsWith('/nodes'))).toHaveLength(1);

    // ── the VM AND its disk are lost: a new disk, and the newest snapshot from the bucket ──
    const restartedAt = new Date().toISOString();
    const prefix = `${cluster}/controller-`;
    await until(
      'a snapshot taken by the second controller',
      () => (emulator.storage.names(BUCKET).some((n) => n.startsWith(prefix) && n.slice(prefix.length) > restartedAt) ? true : undefined),
      120_000,
      () => `${emulator.storage.names(BUCKET).join('\n')}\n${explain()}`,
    );
    // Retention: the newest 3 (state_snapshots_kept) at most, plus possibly one being written.
    expect(emulator.storage.names(BUCKET).length).toBeLessThanOrEqual(4);
    const vmGone = emulator.compute.delete(PROJECT, ZONE, instance);
    emulator.compute.getOperation(PROJECT, ZONE, String(vmGone.name));
    const diskGone = emulator.compute.deleteDisk(PROJECT, ZONE, `iris-state-${cluster}`);
    emulator.compute.getOperation(PROJECT, ZONE, String(diskGone.name));
    rmSync(join(dir, 'disks', `iris-state-${cluster}`), { recursive: true, force: true });
    expect(emulator.compute.disks.size).toBe(0);
    const restored = await iris(['start', '--detach']);
    expect(restored.code, `${restored.stdout}\n${restored.stderr}\n${explain()}`).toBe(0);
    expect([...emulator.compute.disks.values()].map((d) => d.name)).toEqual([`iris-state-${cluster}`]);
    expect(existsSync(join(dir, 'disks', `iris-state-${cluster}`, 'controller.db'))).toBe(true);
    expect(gce.logs(instance)).toMatch(/restored the state from a snapshot/);
    const history = await iris(['job', 'list', '--json']);
    expect(history.code, history.stderr).toBe(0);
    const rows = JSON.parse(history.stdout) as { name: string; state: string }[];
    expect(rows.find((j) => j.name === '/e2e/tpu')?.state, history.stdout).toBe('SUCCEEDED');
    expect(rows.find((j) => j.name === '/e2e/lines')?.state, history.stdout).toBe('SUCCEEDED');

    // ── iris stop: slices and VM gone, the state disk kept ──
    const stop = await iris(['stop']);
    expect(stop.code, `${stop.stdout}\n${stop.stderr}`).toBe(0);
    stopped = true;
    expect(stop.stdout).toContain(`controller: stopped (${PROJECT}/${ZONE}/${instance})`);
    expect(emulator.tpu.nodes.size).toBe(0);
    expect(emulator.compute.instances.size).toBe(0);
    expect(emulator.compute.disks.size).toBe(1);
    await until(
      'every process of the cluster to exit',
      async () => (processesMentioning(dir).length === 0 && tpus.liveWorkers().length === 0 ? true : undefined),
      30_000,
    );
  }, 900_000);
});
