import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshdHarness } from '@iris/provider-manual/testing';
import { GceVmPlayer } from '../../../provider-gcp/test/emulator/gce-vm-player.js';
import { GcpEmulator } from '../../../provider-gcp/test/emulator/gcp-emulator.js';
import { TpuVmPlayer } from '../../../provider-gcp/test/emulator/tpu-vm-player.js';
import { IRIS_BIN, runIris, type IrisRun } from '../run-iris.js';
import { freePort, processesMentioning, until } from './support.js';

const ZONE = 'europe-west4-b';
const PROJECT = 'iris-e2e';
/** The controller VM: its internal and external address (GCP's emulated VMs use 127.0.0.20–40). */
const CONTROLLER_VM = '127.0.0.20';

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

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iris-gcpvm-e2e-'));
    work = join(dir, 'work');
    mkdirSync(work);
    writeFileSync(join(work, 'hello.sh'), 'echo "hello from $TPU_NAME worker $TPU_WORKER_ID"\n');
    sshd = new SshdHarness();
    await sshd.start([CONTROLLER_VM]);
    emulator = new GcpEmulator();
    const endpoint = await emulator.start();
    emulator.tpu.operationPolls = 0;
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
    tpus = new TpuVmPlayer({ rootDir: join(dir, 'tpu'), entrypoint: [process.execPath, IRIS_BIN] });
    await tpus.attach(emulator.tpu);
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
  image: europe-docker.pkg.dev/${PROJECT}/iris/iris-controller:e2e
  state_dir: ${join(dir, 'local-state')}
  worker_timeout: 10s
defaults:
  ssh: { user: root, port: ${sshd.host(CONTROLLER_VM).port}, key_file: ${sshd.clientKey} }
  bootstrap: { docker_image: "europe-docker.pkg.dev/${PROJECT}/iris/iris-worker:e2e", cache_dir: ${join(dir, 'cache')} }
  autoscaler:
    evaluation_interval: 500ms
    scale_up_delay: 0s
    scale_down_delay: 10m
    startup_grace: 120s
    heartbeat_grace: 30s
scale_groups:
  tpu:
    provider: { type: gcp, project_id: ${PROJECT}, zones: [${ZONE}], api_endpoint: "${endpoint}" }
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
    if (!stopped) await runIris(['stop', '-c', file], { env, cwd: work });
    await gce.close();
    await tpus.close();
    await emulator.stop();
    await sshd.stop();
    for (const pid of processesMentioning(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
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
  }, 600_000);
});
