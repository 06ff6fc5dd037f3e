import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LABEL_CLUSTER, LABEL_GROUP, LABEL_REQUEST, type SliceInfo } from '@iris/core';
import type { GcpProviderConfig } from '../src/config-types.js';
import type { GcpPlatform } from '../src/platform/gcp-platform.js';
import { QUEUED_STATE_MAP, QUEUED_STATE_NAMES } from '../src/platform/queued-resource.js';
import type { GcpEmulator } from './emulator/gcp-emulator.js';
import { bootstrap, emulatedPlatform, failure, launch, platformDeps, startEmulator, tpuGroup, ZONES } from './platform-fixture.js';

const request = (requestId: string) => ({ requestId, labels: {}, bootstrap, launch });

describe('queued resources through the real @google-cloud/tpu client against the emulator', () => {
  let emulator: GcpEmulator;
  let endpoint: string;
  const platforms: GcpPlatform[] = [];
  const platform = (overrides: Partial<GcpProviderConfig> = { queued_resource: true }, cluster = 'demo'): GcpPlatform => {
    const p = emulatedPlatform(endpoint, platformDeps(cluster), overrides);
    platforms.push(p);
    return p;
  };
  const only = (slices: SliceInfo[]): SliceInfo => {
    expect(slices).toHaveLength(1);
    return slices[0]!;
  };

  beforeEach(async () => {
    ({ emulator, endpoint } = await startEmulator());
    emulator.tpu.operationPolls = 0;
  });

  afterEach(async () => {
    for (const p of platforms.splice(0)) await p.close();
    await emulator.stop();
  });

  it('maps every queued resource state (a tested table)', () => {
    expect(Object.keys(QUEUED_STATE_MAP).sort()).toEqual([...QUEUED_STATE_NAMES].sort());
    expect(QUEUED_STATE_MAP).toMatchObject({
      ACCEPTED: 'requesting',
      WAITING_FOR_RESOURCES: 'requesting',
      PROVISIONING: 'requesting',
      ACTIVE: 'node',
      FAILED: 'failed',
      SUSPENDED: 'preempted',
      DELETING: 'terminating',
    });
  });

  it('creates a slice that waits in the queue, provisions, and becomes the READY node with its hosts', async () => {
    const manager = platform().vmManager(tpuGroup('tpu_v5e_16'));
    emulator.tpu.holdQueued = true;
    const created = await manager.createSlice(request('req-q'));
    expect(created).toMatchObject({ group: 'tpu_v5e_16', zone: ZONES[0], state: 'requesting', rawState: 'WAITING_FOR_RESOURCES', requestId: 'req-q' });
    expect(created.vms.map((v) => [v.vmId, v.address, v.initPhase])).toEqual(
      [0, 1, 2, 3].map((i) => [`${created.sliceId}-w-${i}`, '', 'queued resource WAITING_FOR_RESOURCES']),
    );
    // What GCP received: one node spec with the node Iris would create directly, no node yet.
    expect(emulator.tpu.nodes.size).toBe(0);
    const qr = [...emulator.tpu.queuedResources.values()][0]!;
    expect(qr.name).toBe(`projects/iris-test/locations/${ZONES[0]}/queuedResources/${created.sliceId}`);
    const spec = (qr.body.tpu as { nodeSpec: { parent: string; nodeId: string; node: Record<string, unknown> }[] }).nodeSpec;
    expect(spec).toHaveLength(1);
    expect(spec[0]).toMatchObject({ parent: `projects/iris-test/locations/${ZONES[0]}`, nodeId: created.sliceId });
    expect(spec[0]!.node).toMatchObject({
      acceleratorType: 'v5litepod-16',
      labels: { [LABEL_CLUSTER]: 'demo', [LABEL_GROUP]: 'tpu_v5e_16', [LABEL_REQUEST]: 'req-q' },
    });
    expect((spec[0]!.node.metadata as Record<string, string>)['startup-script']).toContain("IRIS_CONTROLLER_ADDRESS='http://10.0.0.2:10000'");
    expect(qr.body.reservationName).toBeUndefined();

    // Held: it stays in the queue however often it is listed.
    expect(only(await manager.listSlices()).rawState).toBe('WAITING_FOR_RESOURCES');
    expect(only(await manager.listSlices()).state).toBe('requesting');
    emulator.tpu.holdQueued = false;
    const provisioning = only(await manager.listSlices());
    expect(provisioning).toMatchObject({ sliceId: created.sliceId, state: 'requesting', rawState: 'PROVISIONING' });
    expect(provisioning.vms[0]!.initPhase).toBe('queued resource PROVISIONING');
    const active = only(await manager.listSlices());
    expect(active).toMatchObject({ sliceId: created.sliceId, state: 'ready', rawState: 'READY', requestId: 'req-q', zone: ZONES[0] });
    expect(active.vms).toHaveLength(4);
    expect(active.vms.every((v) => v.address !== '' && v.initPhase === undefined)).toBe(true);
    const node = emulator.tpu.nodes.get(`projects/iris-test/locations/${ZONES[0]}/nodes/${created.sliceId}`);
    expect(node?.queuedResource).toBe(qr.name);

    // A retried create (same request id) finds the same queued resource.
    expect((await manager.createSlice(request('req-q'))).sliceId).toBe(created.sliceId);
    expect(emulator.tpu.queuedResources.size).toBe(1);
  });

  it('maps FAILED to a failed slice with the reason, and SUSPENDED to preempted', async () => {
    const manager = platform({ queued_resource: true, capacity: 'spot' }).vmManager(tpuGroup('g'));
    emulator.tpu.holdQueued = true;
    const failing = await manager.createSlice(request('f'));
    emulator.tpu.failQueued(failing.sliceId, 'the reservation was deleted while the request waited');
    const suspended = await manager.createSlice(request('s'));
    emulator.tpu.holdQueued = false;
    await manager.listSlices(); // PROVISIONING
    await manager.listSlices(); // ACTIVE
    emulator.tpu.suspendQueued(suspended.sliceId);

    const byId = new Map((await manager.listSlices()).map((s) => [s.sliceId, s]));
    expect(byId.get(failing.sliceId)).toMatchObject({ state: 'failed', rawState: 'FAILED: the reservation was deleted while the request waited' });
    expect(byId.get(failing.sliceId)!.vms.every((v) => v.state === 'failed')).toBe(true);
    expect(byId.get(suspended.sliceId)).toMatchObject({ state: 'preempted', rawState: 'SUSPENDED' });
    expect([...emulator.tpu.queuedResources.values()].map((q) => q.body.spot)).toEqual([{}, {}]);

    // Terminating either deletes the queued resource.
    await manager.terminateSlice(failing.sliceId);
    await manager.terminateSlice(suspended.sliceId);
    expect(emulator.tpu.queuedResources.size).toBe(0);
    expect(await manager.listSlices()).toEqual([]);
  });

  it('creates into a named reservation with reserved capacity, and a reservation GCP does not know is refused', async () => {
    const reserved: Partial<GcpProviderConfig> = { capacity: 'reserved', reservation: 'tpu-res', zones: [ZONES[1]] };
    const manager = platform(reserved).vmManager(tpuGroup('r', { preemptible: false }));
    const refused = await failure(manager.createSlice(request('r1')));
    expect(refused.kind).toBe('invalid_request');
    expect(refused.message).toContain(`projects/iris-test/locations/${ZONES[1]}/reservations/tpu-res`);
    expect(emulator.tpu.queuedResources.size).toBe(0);

    emulator.tpu.reservations.add(`projects/iris-test/locations/${ZONES[1]}/reservations/tpu-res`);
    const slice = await manager.createSlice(request('r1'));
    expect(slice.zone).toBe(ZONES[1]);
    const qr = [...emulator.tpu.queuedResources.values()][0]!;
    expect(qr.body.reservationName).toBe(`projects/iris-test/locations/${ZONES[1]}/reservations/tpu-res`);
    expect(qr.body.guaranteed).toBeUndefined();
    const node = (qr.body.tpu as { nodeSpec: { node: { schedulingConfig: unknown } }[] }).nodeSpec[0]!.node;
    expect(node.schedulingConfig).toEqual({ preemptible: false, spot: false, reserved: true });
  });

  it('keeps plain reserved capacity a direct node create', async () => {
    const manager = platform({ capacity: 'reserved' }).vmManager(tpuGroup('r', { preemptible: false }));
    const slice = await manager.createSlice(request('d'));
    expect(slice.state).toBe('ready');
    expect(emulator.tpu.queuedResources.size).toBe(0);
    expect([...emulator.tpu.nodes.values()][0]!.schedulingConfig).toEqual({ preemptible: false, spot: false, reserved: true });
  });

  it('a restarted platform adopts queued resources (waiting or active) by their node labels, and terminates one with no node', async () => {
    const first = platform();
    const active = await first.vmManager(tpuGroup('g')).createSlice(request('a'));
    expect(only(await first.vmManager(tpuGroup('g')).listSlices()).state).toBe('ready');
    emulator.tpu.holdQueued = true;
    const waiting = await first.vmManager(tpuGroup('g')).createSlice(request('w'));
    await first.vmManager(tpuGroup('other')).createSlice(request('o'));
    await platform({ queued_resource: true }, 'elsewhere').vmManager(tpuGroup('g')).createSlice(request('x'));
    expect(emulator.tpu.queuedResources.size).toBe(4);

    const restarted = platform();
    const adopted = await restarted.vmManager(tpuGroup('g')).listSlices();
    expect(adopted.map((s) => s.sliceId).sort()).toEqual([waiting.sliceId, active.sliceId].sort());
    expect(adopted.find((s) => s.sliceId === active.sliceId)).toMatchObject({ state: 'ready', requestId: 'a' });

    expect(adopted.find((s) => s.sliceId === waiting.sliceId)).toMatchObject({ state: 'requesting', rawState: 'WAITING_FOR_RESOURCES', requestId: 'w' });

    // Fresh instances, which never listed: terminate finds the queued resource with no node, and the active one with its node.
    await platform().vmManager(tpuGroup('g')).terminateSlice(waiting.sliceId);
    await platform().vmManager(tpuGroup('g')).terminateSlice(active.sliceId);
    expect([...emulator.tpu.queuedResources.keys()].some((n) => n.endsWith(waiting.sliceId) || n.endsWith(active.sliceId))).toBe(false);
    expect([...emulator.tpu.nodes.keys()].some((n) => n.endsWith(active.sliceId))).toBe(false);
    expect(emulator.requests.filter((r) => r.startsWith('DELETE') && r.includes('/nodes/'))).toEqual([]);
  });

  it('terminate deletes a queued resource still waiting for resources (no node), and is idempotent', async () => {
    emulator.tpu.holdQueued = true;
    const manager = platform().vmManager(tpuGroup('g'));
    const slice = await manager.createSlice(request('t'));
    await manager.terminateSlice(slice.sliceId);
    await manager.terminateSlice(slice.sliceId);
    expect(emulator.tpu.queuedResources.size).toBe(0);
    expect(await manager.listSlices()).toEqual([]);
  });

  it("lists a waiting queued resource's VM for the orphan sweep, and stopVms deletes it", async () => {
    emulator.tpu.holdQueued = true;
    const p = platform();
    const slice = await p.vmManager(tpuGroup('g')).createSlice(request('orphan'));
    const vms = await p.listVms({ zone: ZONES[0], labels: { [LABEL_CLUSTER]: 'demo' } });
    expect(vms.map((v) => [v.vmId, v.state, v.labels[LABEL_GROUP]])).toEqual([0, 1, 2, 3].map((i) => [`${slice.sliceId}-w-${i}`, 'requesting', 'g']));
    await p.stopVms([vms[2]!.vmId], ZONES[0]);
    expect(emulator.tpu.queuedResources.size).toBe(0);
  });

  it('tries the next zone when a zone refuses the queued resource for capacity', async () => {
    emulator.faults.add({ at: 'request', kind: 'stockout', zone: ZONES[0], times: 1 });
    const slice = await platform().vmManager(tpuGroup('g')).createSlice(request('z'));
    expect(slice.zone).toBe(ZONES[1]);
  });
});
