import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LABEL_CLUSTER, LABEL_GROUP, LABEL_REQUEST, LABEL_ROLE, LABEL_SLICE } from '@iris/core';
import type { GcpPlatform } from '../src/platform/gcp-platform.js';
import type { GcpEmulator } from './emulator/gcp-emulator.js';
import { bootstrap, emulatedPlatform, failure, launch, platformDeps, startEmulator, tpuGroup, ZONES } from './platform-fixture.js';

describe('TPU slices through the real @google-cloud/tpu client against the emulator', () => {
  let emulator: GcpEmulator;
  let endpoint: string;
  let platform: GcpPlatform;

  beforeEach(async () => {
    ({ emulator, endpoint } = await startEmulator());
    platform = emulatedPlatform(endpoint);
  });

  afterEach(async () => {
    await platform.close();
    await emulator.stop();
  });

  it('shows the boot phase each host reports through its guest attributes, and stops asking once all registered', async () => {
    const manager = platform.vmManager(tpuGroup('tpu_v5e_16'));
    const slice = await manager.createSlice({ requestId: 'req-phase', labels: {}, bootstrap, launch });
    const name = `projects/iris-test/locations/${ZONES[0]}/nodes/${slice.sliceId}`;
    const phases = async (): Promise<(string | undefined)[]> => (await manager.listSlices())[0]!.vms.map((v) => v.initPhase);
    expect(await phases()).toEqual([undefined, undefined, undefined, undefined]);
    emulator.tpu.setGuestAttribute(name, 0, 'iris/phase', 'docker_pull');
    emulator.tpu.setGuestAttribute(name, 2, 'iris/phase', 'worker_start');
    expect(await phases()).toEqual(['docker_pull', undefined, 'worker_start', undefined]);
    for (const host of [0, 1, 2, 3]) emulator.tpu.setGuestAttribute(name, host, 'iris/phase', 'registration');
    expect(await phases()).toEqual(['registration', 'registration', 'registration', 'registration']);
    const asked = (): number => emulator.requests.filter((r) => r.endsWith(':getGuestAttributes')).length;
    const before = asked();
    expect(await phases()).toEqual(['registration', 'registration', 'registration', 'registration']);
    expect(asked()).toBe(before);
  });

  it('creates a multi-host slice: one node, slice_size VMs with addresses, labelled and bootstrapped', async () => {
    const manager = platform.vmManager(tpuGroup('tpu_v5e_16'));
    const slice = await manager.createSlice({ requestId: 'req-1', labels: { extra: 'yes' }, bootstrap, launch });

    expect(slice.group).toBe('tpu_v5e_16');
    expect(slice.zone).toBe(ZONES[0]);
    expect(slice.state).toBe('ready');
    expect(slice.rawState).toBe('READY');
    expect(slice.requestId).toBe('req-1');
    expect(slice.vms).toHaveLength(4);
    expect(new Set(slice.vms.map((v) => v.address)).size).toBe(4);
    expect(slice.vms.map((v) => v.vmId)).toEqual([0, 1, 2, 3].map((i) => `${slice.sliceId}-w-${i}`));

    expect(emulator.tpu.nodes.size).toBe(1);
    const node = [...emulator.tpu.nodes.values()][0]!;
    expect(node.name).toBe(`projects/iris-test/locations/${ZONES[0]}/nodes/${slice.sliceId}`);
    expect(node.acceleratorType).toBe('v5litepod-16');
    expect(node.runtimeVersion).toBe('v2-alpha-tpuv5-lite');
    expect(node.labels).toMatchObject({
      [LABEL_CLUSTER]: 'demo',
      [LABEL_GROUP]: 'tpu_v5e_16',
      [LABEL_SLICE]: slice.sliceId,
      [LABEL_REQUEST]: 'req-1',
      [LABEL_ROLE]: 'worker',
      team: 'research',
      extra: 'yes',
    });
    expect(node.schedulingConfig).toEqual({ preemptible: true, spot: false, reserved: false });
    expect(node.networkConfig).toMatchObject({ network: 'default', enableExternalIps: true });
    const script = node.metadata['startup-script']!;
    expect(script).toMatch(/^#!\/usr\/bin\/env bash\n/);
    expect(script).toContain("IRIS_WORKER_IMAGE='europe-docker.pkg.dev/p/iris/iris-worker:1'");
    expect(script).toContain("IRIS_CONTROLLER_ADDRESS='http://10.0.0.2:10000'");
  });

  it('asks for spot capacity when the group block says so', async () => {
    const spot = emulatedPlatform(endpoint, platformDeps(), { capacity: 'spot' });
    try {
      await spot.vmManager(tpuGroup('spot')).createSlice({ requestId: 'r', labels: {}, bootstrap, launch });
      expect([...emulator.tpu.nodes.values()][0]!.schedulingConfig).toEqual({ preemptible: false, spot: true, reserved: false });
    } finally {
      await spot.close();
    }
  });

  it('falls through to the second zone when the first is stocked out', async () => {
    emulator.faults.add({ at: 'operation', kind: 'stockout', zone: ZONES[0] });
    const slice = await platform.vmManager(tpuGroup('g')).createSlice({ requestId: 'r1', labels: {}, bootstrap, launch });
    expect(slice.zone).toBe(ZONES[1]);
    expect([...emulator.tpu.nodes.keys()]).toEqual([`projects/iris-test/locations/${ZONES[1]}/nodes/${slice.sliceId}`]);
  });

  it('reports capacity when every zone is stocked out, and leaves no node behind', async () => {
    emulator.faults.add({ at: 'operation', kind: 'stockout' });
    const err = await failure(platform.vmManager(tpuGroup('g')).createSlice({ requestId: 'r1', labels: {}, bootstrap, launch }));
    expect(err.kind).toBe('capacity');
    expect(err.message).toContain(ZONES.join(', '));
    expect(emulator.tpu.nodes.size).toBe(0);
  });

  it('surfaces a quota error as kind quota without trying other zones', async () => {
    emulator.faults.add({ at: 'request', kind: 'quota', zone: ZONES[0] });
    const err = await failure(platform.vmManager(tpuGroup('g')).createSlice({ requestId: 'r1', labels: {}, bootstrap, launch }));
    expect(err.kind).toBe('quota');
    expect(err.zone).toBe(ZONES[0]);
    expect(emulator.requests.filter((r) => r.startsWith('POST') && r.includes(ZONES[1]))).toEqual([]);
  });

  it('maps 429 with a retry delay, 503 and permission errors from the live client', async () => {
    const manager = platform.vmManager(tpuGroup('g'));
    emulator.faults.add({ at: 'request', kind: 'rate_limited', times: 1 });
    const limited = await failure(manager.createSlice({ requestId: 'a', labels: {}, bootstrap, launch }));
    expect(limited.kind).toBe('rate_limited');
    expect(limited.retryAfterMs).toBe(7_000);
    emulator.faults.add({ at: 'request', kind: 'unavailable', times: 1 });
    expect((await failure(manager.createSlice({ requestId: 'a', labels: {}, bootstrap, launch }))).kind).toBe('transient');
    emulator.faults.add({ at: 'request', kind: 'permission_denied', times: 1 });
    expect((await failure(manager.createSlice({ requestId: 'a', labels: {}, bootstrap, launch }))).kind).toBe('auth');
    emulator.faults.add({ at: 'request', kind: 'invalid_argument', times: 1 });
    expect((await failure(manager.createSlice({ requestId: 'a', labels: {}, bootstrap, launch }))).kind).toBe('invalid_request');
    // Once the faults are spent the same request succeeds.
    expect((await manager.createSlice({ requestId: 'a', labels: {}, bootstrap, launch })).state).toBe('ready');
  });

  it('is idempotent by request id: a second create returns the first node', async () => {
    const manager = platform.vmManager(tpuGroup('g'));
    const first = await manager.createSlice({ requestId: 'same', labels: {}, bootstrap, launch });
    const second = await manager.createSlice({ requestId: 'same', labels: {}, bootstrap, launch });
    expect(second.sliceId).toBe(first.sliceId);
    expect(emulator.tpu.nodes.size).toBe(1);
  });

  it("a create that loses a race (409, ABORTED in the client) returns the winner's node", async () => {
    const manager = platform.vmManager(tpuGroup('g'));
    const probe = await manager.createSlice({ requestId: 'probe', labels: {}, bootstrap, launch });
    await manager.terminateSlice(probe.sliceId);
    // Same request id → same node id; the emulator creates it "from elsewhere" first.
    emulator.tpu.racedCreates.add(probe.sliceId);
    const slice = await manager.createSlice({ requestId: 'probe', labels: {}, bootstrap, launch });
    expect(slice.sliceId).toBe(probe.sliceId);
    expect(slice.state).toBe('ready');
    expect(emulator.tpu.nodes.size).toBe(1);
  });

  it('maps a preempted node to preempted, and terminate deletes it', async () => {
    const manager = platform.vmManager(tpuGroup('g'));
    const slice = await manager.createSlice({ requestId: 'p', labels: {}, bootstrap, launch });
    emulator.tpu.preempt(slice.sliceId);
    const [listed] = await manager.listSlices();
    expect(listed?.state).toBe('preempted');
    expect(listed?.rawState).toBe('PREEMPTED');
    expect(listed?.vms.every((v) => v.state === 'preempted')).toBe(true);
    await manager.terminateSlice(slice.sliceId);
    expect(emulator.tpu.nodes.size).toBe(0);
    expect(await manager.listSlices()).toEqual([]);
  });

  it('terminate is idempotent: a slice already gone, or never made, is success', async () => {
    const manager = platform.vmManager(tpuGroup('g'));
    const slice = await manager.createSlice({ requestId: 't', labels: {}, bootstrap, launch });
    await manager.terminateSlice(slice.sliceId);
    await manager.terminateSlice(slice.sliceId);
    await manager.terminateSlice('demo-g-never-made');
    expect(emulator.tpu.nodes.size).toBe(0);
  });

  it("a new platform instance adopts existing nodes by labels, per group, across the group's zones", async () => {
    emulator.faults.add({ at: 'operation', kind: 'stockout', zone: ZONES[0], times: 1 });
    const a = await platform.vmManager(tpuGroup('g')).createSlice({ requestId: 'x', labels: {}, bootstrap, launch });
    const b = await platform.vmManager(tpuGroup('g')).createSlice({ requestId: 'y', labels: {}, bootstrap, launch });
    await platform.vmManager(tpuGroup('other')).createSlice({ requestId: 'z', labels: {}, bootstrap, launch });
    const otherCluster = emulatedPlatform(endpoint, platformDeps('elsewhere'));
    await otherCluster.vmManager(tpuGroup('g')).createSlice({ requestId: 'w', labels: {}, bootstrap, launch });
    await otherCluster.close();

    const restarted = emulatedPlatform(endpoint);
    try {
      const adopted = await restarted.vmManager(tpuGroup('g')).listSlices();
      expect(adopted.map((s) => s.sliceId).sort()).toEqual([a.sliceId, b.sliceId].sort());
      expect(new Set(adopted.map((s) => s.zone))).toEqual(new Set(ZONES));
      expect(adopted.find((s) => s.sliceId === a.sliceId)?.requestId).toBe('x');
      // Terminate right after adoption, without a create in this process to remember the zone.
      await restarted.vmManager(tpuGroup('g')).terminateSlice(a.sliceId);
      expect((await restarted.vmManager(tpuGroup('g')).listSlices()).map((s) => s.sliceId)).toEqual([b.sliceId]);
    } finally {
      await restarted.close();
    }
  });

  it('lists and stops VMs zone by zone, refusing an implicit sweep', async () => {
    const slice = await platform.vmManager(tpuGroup('g')).createSlice({ requestId: 'v', labels: {}, bootstrap, launch });
    expect((await failure(platform.listVms({ labels: {} }))).kind).toBe('invalid_request');
    const vms = await platform.listVms({ zone: ZONES[0], labels: { [LABEL_GROUP]: 'g' } });
    expect(vms.map((v) => v.vmId)).toEqual(slice.vms.map((v) => v.vmId));
    expect(await platform.listVms({ zone: ZONES[1], labels: {} })).toEqual([]);
    expect((await failure(platform.startVms({ count: 1, labels: {}, bootstrap }))).kind).toBe('invalid_request');
    await platform.stopVms([slice.vms[1]!.vmId], ZONES[0]);
    expect(emulator.tpu.nodes.size).toBe(0);
    await platform.stopVms([slice.vms[1]!.vmId], ZONES[0]);
  });

  it('refuses a group whose runtime cannot be known, before calling the API', async () => {
    const err = await failure(
      platform.vmManager(tpuGroup('odd', { accelerator_variant: 'v9-8' })).createSlice({ requestId: 'r', labels: {}, bootstrap, launch }),
    );
    expect(err.kind).toBe('invalid_request');
    expect(err.message).toContain('runtime_version');
    expect(emulator.requests.filter((r) => r.startsWith('POST'))).toEqual([]);
  });

  it('lists TPU types per zone with on-demand and preemptible prices, and estimates cost', async () => {
    const offerings = await platform.listInstanceTypes();
    const v5e = offerings.find((o) => o.name === 'v5litepod-16');
    expect(v5e).toEqual({
      name: 'v5litepod-16',
      accelerator: 'tpu',
      zones: [...ZONES],
      pricePerHour: 19.2,
      preemptiblePricePerHour: 9.6,
      available: true,
      preemptible: true,
    });
    expect(platform.estimateCost(tpuGroup('g'), 2)).toBe(19.2);
  });
});
