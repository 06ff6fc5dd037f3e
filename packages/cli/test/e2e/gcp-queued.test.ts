import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IrisClient, WorkerView } from '@iris/core/api';
import type { GcpEmulator } from '../../../provider-gcp/test/emulator/gcp-emulator.js';
import type { TpuVmPlayer } from '../../../provider-gcp/test/emulator/tpu-vm-player.js';
import { runIris } from '../run-iris.js';
import {
  attachTpuPlayer,
  cleanUpCluster,
  controllerClient,
  controllerPid,
  firstHostLogs,
  gcpProvider,
  isRunning,
  localControllerCluster,
  startGcpEmulator,
  statusJson,
  tpuGroup,
} from './gcp-harness.js';
import { freePort, until } from './support.js';

const ZONE = 'europe-west4-b';

interface SliceJson {
  sliceId?: string;
  state: string;
  rawState?: string;
  vms: { vmId: string; initPhase?: string }[];
}
interface StatusJson {
  autoscaler?: { groups: { name: string; slices: SliceJson[] }[] };
  cost?: { perHour: number; groups: { name: string; slices: number }[] };
}

/**
 * Groups on TPU queued resources, through the real CLI, controller, @google-cloud/tpu client and
 * emulator: a slice waits in GCP's queue (explain says so), provisions, its workers register and it
 * becomes ready; a restarted controller adopts a request that is still queued; `iris stop` deletes
 * it although it has no node.
 */
describe('a gcp cluster whose slices are queued resources (real clients, real processes)', () => {
  let dir: string;
  let file: string;
  let stateDir: string;
  let env: Record<string, string>;
  let emulator: GcpEmulator;
  let player: TpuVmPlayer;
  let stopped = false;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iris-gcp-queued-'));
    stateDir = join(dir, 'state');
    file = join(dir, 'cluster.yaml');
    let endpoint: string;
    ({ emulator, endpoint } = await startGcpEmulator());
    // Nothing leaves the queue until the test says so.
    emulator.tpu.holdQueued = true;
    player = await attachTpuPlayer(emulator, join(dir, 'vms'));
    const provider = gcpProvider(endpoint, [ZONE], 'queued_resource: true, capacity: spot');
    const group = (variant: string, hosts: number): string => tpuGroup({ provider, variant, hosts, disk: true, preemptible: true, minSlices: 1, maxSlices: 1 });
    writeFileSync(
      file,
      localControllerCluster({
        name: `gcp-queued-${process.pid}`,
        port: await freePort(),
        stateDir,
        workerTimeout: '4s',
        cacheDir: join(dir, 'cache'),
        startupGrace: '10m',
        groups: `  tpu_q:${group('v5litepod-16', 4)}
  tpu_wait:${group('v5litepod-4', 1)}
`,
      }),
    );
    env = { HOME: dir };
  }, 120_000);

  afterAll(async () => {
    await cleanUpCluster({ file, dir, stopped, close: [() => player.close(), () => emulator.stop()] });
  }, 120_000);

  const status = (): Promise<StatusJson> => statusJson<StatusJson>(file, dir);
  const slicesOf = (s: StatusJson, name: string): SliceJson[] => s.autoscaler?.groups.find((g) => g.name === name)?.slices ?? [];
  const client = (): IrisClient => controllerClient(stateDir);
  const workers = async (): Promise<WorkerView[]> => (await client().listWorkers({ limit: 1000 })).items;
  const queued = (group: string) => [...emulator.tpu.queuedResources.values()].filter((q) => q.name.includes(`-${group}-`));
  const queueCreates = (): number => emulator.requests.filter((r) => r.startsWith('POST') && r.endsWith('/queuedResources')).length;
  const vmLogs = (): string => firstHostLogs(emulator, player);

  it('waits in the queue (shown by explain), provisions, registers its workers, survives a restart, and stops clean', async () => {
    const start = await runIris(['start', '-c', file, '--detach'], { env, cwd: dir });
    expect(start.code, `${start.stdout}\n${start.stderr}`).toBe(0);

    // ── both groups' slices wait in GCP's queue: no node, and explain says where they are ──
    await until('both queued resources', async () => (queued('tpu-q').length === 1 && queued('tpu-wait').length === 1 ? true : undefined), 60_000);
    const qSlice = queued('tpu-q')[0]!.name.replace(/.*\//, '');
    const waitSlice = queued('tpu-wait')[0]!.name.replace(/.*\//, '');
    expect(emulator.tpu.nodes.size).toBe(0);
    const explained = await until(
      'explain to show the queue state',
      async () => {
        const run = await runIris(['autoscaler', 'explain', '-c', file], { env, cwd: dir });
        return run.code === 0 && run.stdout.includes(`slice ${waitSlice}`) && run.stdout.includes(`slice ${qSlice}`) ? run.stdout : undefined;
      },
      60_000,
    );
    expect(explained).toContain(`slice ${qSlice} (booting): boot phase queued resource WAITING_FOR_RESOURCES on 4/4 VM(s)`);
    expect(explained).toContain(`slice ${waitSlice} (booting): boot phase queued resource WAITING_FOR_RESOURCES on 1/1 VM(s)`);
    const queuedStatus = await status();
    const waiting = slicesOf(queuedStatus, 'tpu_q');
    expect(waiting.map((s) => [s.sliceId, s.state, s.rawState])).toEqual([[qSlice, 'booting', 'WAITING_FOR_RESOURCES']]);
    // A request in GCP's queue is not billed: the cost line does not count it.
    expect(queuedStatus.cost?.groups.map((g) => [g.name, g.slices])).toEqual([
      ['tpu_q', 0],
      ['tpu_wait', 0],
    ]);
    expect(queuedStatus.cost?.perHour).toBe(0);
    expect(queued('tpu-q')[0]!.body.spot).toEqual({});

    // ── capacity for tpu_q: PROVISIONING, ACTIVE, the node boots, its four workers register ──
    emulator.tpu.holdQueued = (name) => name.includes('-tpu-wait-');
    await until(
      "tpu_q's workers to register",
      async () => ((await workers()).filter((w) => w.attributes['tpu-name'] === qSlice).length === 4 ? true : undefined),
      90_000,
      vmLogs,
    );
    await until('tpu_q to be ready', async () => (slicesOf(await status(), 'tpu_q')[0]?.state === 'ready' ? true : undefined), 60_000);
    expect((await status()).cost?.groups.find((g) => g.name === 'tpu_q')?.slices).toBe(1);
    expect(queued('tpu-q')[0]!.state).toBe('ACTIVE');
    expect(await player.startupExits(qSlice)).toEqual([0, 0, 0, 0]);
    const run = await runIris(
      [
        'job',
        'run',
        '-c',
        file,
        '--name',
        '/e2e/queued',
        '--tpu',
        'v5litepod-16',
        '--cpu',
        '0.1',
        '--memory',
        '100MB',
        '--',
        'sh',
        '-c',
        'echo "ran on $TPU_NAME"',
      ],
      { env, cwd: dir },
    );
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(`ran on ${qSlice}`);

    // ── a controller killed and started again adopts both: the active one and the one still queued ──
    const createsBefore = queueCreates();
    const pid = controllerPid(stateDir);
    process.kill(pid, 'SIGKILL');
    await until('the killed controller to be gone', async () => (isRunning(pid) ? undefined : true), 30_000);
    const restart = await runIris(['start', '-c', file, '--detach'], { env, cwd: dir });
    expect(restart.code, `${restart.stdout}\n${restart.stderr}`).toBe(0);
    await until(
      'the TPU workers to find the new controller',
      async () => ((await workers()).filter((w) => w.attributes['tpu-name'] === qSlice && w.healthy).length === 4 ? true : undefined),
      60_000,
    );
    const afterRestart = await status();
    expect(slicesOf(afterRestart, 'tpu_q').map((s) => [s.sliceId, s.state])).toEqual([[qSlice, 'ready']]);
    expect(slicesOf(afterRestart, 'tpu_wait').map((s) => [s.sliceId, s.rawState])).toEqual([[waitSlice, 'WAITING_FOR_RESOURCES']]);
    expect(queueCreates()).toBe(createsBefore);

    // ── GCP gives up on the waiting request: the slice fails with GCP's reason, and its queued
    //    resource is deleted (min_slices then asks for another, which waits in the queue) ──
    emulator.tpu.failQueued(waitSlice, 'the reservation went away');
    const failedAction = await until(
      'the failed queued resource to be cleaned up',
      async () => {
        const actions = await client().autoscalerStatus<{ recentActions: { type: string; group: string; reason: string }[] }>();
        return actions.recentActions.find((a) => a.group === 'tpu_wait' && a.type === 'failed_cleanup');
      },
      60_000,
    );
    expect(failedAction.reason).toContain('FAILED: the reservation went away');
    await until(
      'the failed queued resource to be deleted',
      async () => (queued('tpu-wait').some((q) => q.name.endsWith(waitSlice)) ? undefined : true),
      60_000,
    );

    // ── iris stop deletes every queued resource, one without a node too, and the node ──
    const stop = await runIris(['stop', '-c', file], { env, cwd: dir });
    expect(stop.code, `${stop.stdout}\n${stop.stderr}`).toBe(0);
    stopped = true;
    expect([...emulator.tpu.queuedResources.keys()]).toEqual([]);
    expect([...emulator.tpu.nodes.keys()]).toEqual([]);
    await until('the TPU workers to be gone', async () => (player.liveWorkers().length === 0 ? true : undefined), 30_000);
  }, 600_000);
});
