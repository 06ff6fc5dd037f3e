import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IrisClient, TaskView, WorkerView } from '@iris/core/api';
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
  PROJECT,
  startGcpEmulator,
  statusJson,
  tpuGroup,
} from './gcp-harness.js';
import { freePort, processesMentioning, until } from './support.js';

const Z1 = 'europe-west4-b';
const Z2 = 'europe-west4-a';

interface GroupJson {
  name: string;
  counts: { total: number; ready: number };
  quotaUntilMs?: number;
  slices: { sliceId: string; zone?: string; state: string; vms: { vmId: string }[] }[];
}
interface StatusJson {
  controller: { running: boolean; workers?: number };
  autoscaler?: { groups: GroupJson[]; recentActions: { type: string; group: string; reason: string }[] };
  jobs?: Record<string, number>;
  cost?: { perHour: number; groups: { name: string; slices: number; perSliceHour: number; perHour: number }[] };
}

describe('a cluster with TPU groups on the GCP emulator and a local group (real clients, real processes)', () => {
  let dir: string;
  let file: string;
  let stateDir: string;
  let env: Record<string, string>;
  let emulator: GcpEmulator;
  let player: TpuVmPlayer;
  let stopped = false;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iris-gcp-e2e-'));
    stateDir = join(dir, 'state');
    file = join(dir, 'cluster.yaml');
    let endpoint: string;
    ({ emulator, endpoint } = await startGcpEmulator());
    player = await attachTpuPlayer(emulator, join(dir, 'vms'));
    const tpu = (zones: string[], priority: number): string =>
      tpuGroup({
        provider: gcpProvider(endpoint, zones),
        variant: 'v5litepod-16',
        hosts: 4,
        disk: true,
        preemptible: true,
        minSlices: 0,
        maxSlices: 1,
        priority,
      });
    writeFileSync(
      file,
      localControllerCluster({
        name: `gcp-e2e-${process.pid}`,
        port: await freePort(),
        stateDir,
        workerTimeout: '4s',
        cacheDir: join(dir, 'cache'),
        startupGrace: '60s',
        groups: `  tpu_a:${tpu([Z1, Z2], 10)}
  tpu_b:${tpu([Z2], 20)}
  cpu:
    provider: { type: local }
    accelerator_type: cpu
    accelerator_variant: cpu
    slice_size: 1
    resources: { cpu: 1, ram: 1GB, disk: 1GB }
    min_slices: 1
    max_slices: 1
    priority: 50
`,
      }),
    );
    env = { HOME: dir };
  }, 120_000);

  afterAll(async () => {
    // After a failure, `iris stop` is the cleanup; the player and the kill below catch the rest.
    await cleanUpCluster({ file, dir, stopped, close: [() => player.close(), () => emulator.stop()] });
  }, 120_000);

  const status = (): Promise<StatusJson> => statusJson<StatusJson>(file, dir);
  const group = (s: StatusJson, name: string): GroupJson => s.autoscaler!.groups.find((g) => g.name === name)!;
  const client = (): IrisClient => controllerClient(stateDir);
  const workers = async (): Promise<WorkerView[]> => (await client().listWorkers({ limit: 1000 })).items;
  const tasks = async (job: string): Promise<TaskView[]> => (await client().listTasks(job, { limit: 100 })).items;
  const nodeIds = (zone?: string): string[] =>
    [...emulator.tpu.nodes.values()].filter((n) => zone === undefined || n.name.includes(`/locations/${zone}/`)).map((n) => n.name.replace(/.*\//, ''));
  const vmLogs = (): string => firstHostLogs(emulator, player);
  /** The tpu-name of the workers running the job's tasks, once all four run on one slice. */
  const gangSlice = async (job: string): Promise<string | undefined> => {
    const ts = await tasks(job);
    if (ts.length !== 4 || ts.some((t) => t.state !== 'RUNNING')) return undefined;
    const byId = new Map((await workers()).map((w) => [w.worker_id, w]));
    const names = new Set(ts.map((t) => String(byId.get(String(t.worker_id))?.attributes['tpu-name'])));
    return names.size === 1 ? [...names][0] : undefined;
  };

  it('starts, scales a multi-host slice past a stockout, survives a preemption and a quota error, adopts after a restart, stops clean', async () => {
    // ── start: the local group's min_slices worker comes up beside an idle TPU fleet ──
    emulator.faults.add({ at: 'request', kind: 'stockout', zone: Z1, times: 1 });
    const start = await runIris(['start', '-c', file, '--detach'], { env, cwd: dir });
    expect(start.code, `${start.stdout}\n${start.stderr}`).toBe(0);
    await until('the local group worker', async () => ((await workers()).length === 1 ? true : undefined), 60_000);

    // ── a gang needing one whole v5litepod-16 slice: the autoscaler creates a multi-host node;
    //    the stockout in the first zone sends it to the second ──
    const release = join(dir, 'release');
    const gangJob = '/e2e/gang';
    // Through the API: `iris job run` has no --group-by flag yet.
    await client().submitJob({
      name: gangJob,
      command: ['sh', '-c', `while [ ! -e ${release} ]; do sleep 0.2; done; echo "gang task $IRIS_TASK_INDEX done"`],
      resources: { cpu: 0.1, accelerator: { type: 'tpu', variant: 'v5litepod-16', count: 4 } },
      replicas: 4,
      group_by: 'tpu-name',
      max_retries_preemption: 3,
    });
    const firstSlice = await until('the gang to run on one slice', () => gangSlice(gangJob), 60_000, vmLogs);
    expect(nodeIds(Z1)).toEqual([]);
    expect(nodeIds(Z2)).toEqual([firstSlice]);
    const node = emulator.tpu.nodes.get(`projects/${PROJECT}/locations/${Z2}/nodes/${firstSlice}`)!;
    expect(node.networkEndpoints).toHaveLength(4);
    expect(await player.startupExits(firstSlice)).toEqual([0, 0, 0, 0]);
    // What the workers advertise came from the node's metadata, through the real startup script.
    const tpuWorkers = (await workers()).filter((w) => w.attributes['tpu-name'] === firstSlice);
    expect(tpuWorkers.map((w) => w.worker_id).sort()).toEqual([0, 1, 2, 3].map((i) => `${firstSlice}-w-${i}`));
    for (const w of tpuWorkers) {
      expect(w.attributes).toMatchObject({ 'tpu-topology': '4x4', preemptible: 'true', 'iris-group': 'tpu_a', 'iris-slice': firstSlice });
      expect(w.attributes['tpu-worker-id']).toBe(w.worker_id.replace(/.*-w-/, ''));
      expect(w.accelerators).toEqual([{ type: 'tpu', variant: 'v5litepod-16', count: 4 }]);
    }
    const afterCreate = await status();
    const a = group(afterCreate, 'tpu_a');
    expect(a.slices.map((s) => [s.sliceId, s.zone, s.state, s.vms.length])).toEqual([[firstSlice, Z2, 'ready', 4]]);
    // The first create went to the first zone and was refused; the node was created in the second.
    const nodeCreates = emulator.requests.filter((r) => r.startsWith('POST') && r.endsWith('/nodes'));
    expect(nodeCreates.slice(0, 2)).toEqual([`POST /v2/projects/${PROJECT}/locations/${Z1}/nodes`, `POST /v2/projects/${PROJECT}/locations/${Z2}/nodes`]);

    // ── preemption, with tpu_a's project out of quota in its first zone: the preempted node is
    //    deleted, the gang goes back to pending and lands on the next group ──
    emulator.faults.add({ at: 'request', kind: 'quota', zone: Z1 });
    emulator.tpu.preempt(firstSlice);
    const secondSlice = await until(
      'the gang to be rescheduled on another slice',
      async () => {
        const s = await gangSlice(gangJob);
        return s !== undefined && s !== firstSlice ? s : undefined;
      },
      90_000,
      vmLogs,
    );
    await until('the preempted node to be deleted', async () => (nodeIds().includes(firstSlice) ? undefined : true), 60_000);
    expect(nodeIds(Z2)).toEqual([secondSlice]);
    const afterPreemption = await status();
    expect(group(afterPreemption, 'tpu_b').slices.map((s) => s.sliceId)).toEqual([secondSlice]);
    expect(group(afterPreemption, 'tpu_a').quotaUntilMs).toBeGreaterThan(0);
    // Every task is on its second attempt; the loss is charged to preemption, not to failures.
    const rescheduled = await tasks(gangJob);
    expect(rescheduled.map((t) => t.attempt >= 1)).toEqual([true, true, true, true]);
    expect(rescheduled.map((t) => t.failure_count)).toEqual([0, 0, 0, 0]);
    expect(rescheduled.some((t) => t.preemption_count > 0)).toBe(true);
    writeFileSync(release, '');
    await until('the gang job to succeed', async () => ((await client().getJob(gangJob)).state === 'SUCCEEDED' ? true : undefined), 60_000);
    emulator.faults.clear();

    // ── a controller killed outright and started again adopts the nodes it finds ──
    const creates = (): number => emulator.requests.filter((r) => r.startsWith('POST') && r.endsWith('/nodes')).length;
    const createsBefore = creates();
    const pid = controllerPid(stateDir);
    process.kill(pid, 'SIGKILL');
    // Its port must be free again before the new controller binds it.
    await until('the killed controller to be gone', async () => (isRunning(pid) ? undefined : true), 30_000);
    const restart = await runIris(['start', '-c', file, '--detach'], { env, cwd: dir });
    expect(restart.code, `${restart.stdout}\n${restart.stderr}`).toBe(0);
    await until(
      'the TPU workers to find the new controller',
      async () => ((await workers()).filter((w) => w.attributes['tpu-name'] === secondSlice && w.healthy).length === 4 ? true : undefined),
      60_000,
    );
    const afterRestart = await status();
    expect(group(afterRestart, 'tpu_b').slices.map((s) => [s.sliceId, s.state])).toEqual([[secondSlice, 'ready']]);
    expect(afterRestart.jobs).toEqual({ SUCCEEDED: 1 });
    // The live TPU slice is priced from the provider's table; the local group has no price.
    const tpuCost = afterRestart.cost?.groups.find((g) => g.name === 'tpu_b');
    expect(tpuCost).toMatchObject({ slices: 1 });
    expect(tpuCost!.perSliceHour).toBeGreaterThan(0);
    expect(afterRestart.cost?.perHour).toBeCloseTo(tpuCost!.perSliceHour);
    const text = await runIris(['status', '-c', file], { env, cwd: dir });
    const price = tpuCost!.perSliceHour.toFixed(2);
    expect(text.stdout).toContain(`cost: $${price}/hour (tpu_b 1 × $${price})`);
    // A plain TPU job through the CLI runs on the adopted slice.
    const run = await runIris(
      [
        'job',
        'run',
        '-c',
        file,
        '--name',
        '/e2e/after-restart',
        '--tpu',
        'v5litepod-16',
        '--',
        'sh',
        '-c',
        'echo "ran on $TPU_NAME, token ${IRIS_TOKEN:-withheld}"',
      ],
      {
        env,
        cwd: dir,
      },
    );
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(`ran on ${secondSlice}, token withheld`);
    expect(creates()).toBe(createsBefore);
    expect(nodeIds()).toEqual([secondSlice]);

    // ── iris stop leaves nothing: no node, no instance, no process ──
    const stop = await runIris(['stop', '-c', file], { env, cwd: dir });
    expect(stop.code, `${stop.stdout}\n${stop.stderr}`).toBe(0);
    stopped = true;
    expect(emulator.tpu.nodes.size).toBe(0);
    expect(emulator.compute.instances.size).toBe(0);
    await until(
      'every process of the cluster to exit',
      async () => (processesMentioning(dir).length === 0 && player.liveWorkers().length === 0 ? true : undefined),
      60_000,
    );
    expect(existsSync(join(stateDir, 'local-workers')) ? readdirSync(join(stateDir, 'local-workers')) : []).toEqual([]);
    // Generous: CI runs 9 projects on 2 cores; every wait above has its own deadline and message.
  }, 600_000);
});
