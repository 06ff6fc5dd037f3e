import { FakeClock, LABEL_GROUP, clusterLabels, hasErrorCode, silentLogger, type ScaleGroupConfig } from '@iris/core';
import { describe, expect, it } from 'vitest';
import { createAutoscaler } from './create-autoscaler.js';
import { InMemorySliceStore } from './slice-store.js';
import { FakeCluster } from './testing/fake-cluster.js';
import { TEST_WORKER_BOOTSTRAP, testWorkerLaunch, testAutoscalerConfig, testScaleGroup } from './testing/fixtures.js';
import type { DemandEntry } from './types.js';

const BEHAVIOUR = { createLatencyMs: 1_000, bootMs: 5_000, initMs: 5_000, terminateLatencyMs: 500 };

/** A task that fills one VM of the test groups (32 CPUs): one slice per entry. */
function entry(id: string, overrides: Partial<DemandEntry> = {}): DemandEntry {
  return { id, resources: { cpu: 32, ram: 1, disk: 0, accelerator_count: 0 }, accelerator_type: 'tpu', gang_size: 1, ...overrides };
}

function cluster(groups: ScaleGroupConfig[], config = testAutoscalerConfig(), rates = {}): FakeCluster {
  return new FakeCluster({ groups, config, behaviour: BEHAVIOUR, seed: 3, providerCreateRates: rates });
}

describe('Autoscaler evaluation triggers', () => {
  it('calls the provider as soon as demand is notified, not at the next interval', async () => {
    const c = cluster([testScaleGroup('a')]);
    c.autoscaler.start();
    c.demand.push(entry('t1'));
    c.autoscaler.notifyDemand();
    await c.clock.advance(0);
    expect(c.platform.createCalls).toBe(1);
    expect(c.actions.map((a) => a.type)).toEqual(['scale_up']);
    c.autoscaler.stop();
  });

  it('evaluates every evaluation_interval without being told', async () => {
    const c = cluster([testScaleGroup('a')]);
    c.autoscaler.start();
    c.demand.push(entry('t1'));
    await c.clock.advance(9_999);
    expect(c.platform.createCalls).toBe(0);
    await c.clock.advance(1);
    expect(c.platform.createCalls).toBe(1);
    c.autoscaler.stop();
  });

  it('wakes itself when a rate limit refills instead of waiting a whole interval', async () => {
    const c = cluster([testScaleGroup('a')], testAutoscalerConfig({ create_burst: 1, create_rate_per_minute: 60, evaluation_interval: 60_000 }));
    c.autoscaler.start();
    c.demand.push(entry('t1'), entry('t2'));
    c.autoscaler.notifyDemand();
    await c.clock.advance(0);
    expect(c.platform.createCalls).toBe(1);
    await c.clock.advance(1_000);
    expect(c.platform.createCalls).toBe(2);
    c.autoscaler.stop();
  });

  it('shares a provider create limit across groups on one platform', async () => {
    const c = cluster([testScaleGroup('a', { priority: 1, max_slices: 2 }), testScaleGroup('b', { priority: 2 })], testAutoscalerConfig(), {
      fake: { per_minute: 3, burst: 3 },
    });
    c.demand.push(...['1', '2', '3', '4', '5'].map((id) => entry(id)));
    const report = await c.autoscaler.runOnce();
    expect(report.launched).toBe(3);
    expect(c.autoscaler.status().groups.map((g) => [g.name, g.counts.requesting])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(c.autoscaler.group('b')!.lastDecision).toContain('provider create rate');
  });

  it('refuses a group without a platform, naming it', () => {
    const clock = new FakeClock();
    let caught: unknown;
    try {
      createAutoscaler(
        new Map(),
        testAutoscalerConfig(),
        { lonely: testScaleGroup('lonely') },
        {
          clusterName: 'x',
          clock,
          logger: silentLogger,
          sliceStore: new InMemorySliceStore(),
          demand: () => [],
          workers: () => new Map(),
          workerBootstrap: () => TEST_WORKER_BOOTSTRAP,
          workerLaunch: testWorkerLaunch,
          providerCreateRates: {},
          shortLivedSliceMs: 1,
          actionLogSize: 10,
          random: () => 0.5,
        },
      );
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, 'IRIS_AUTOSCALER_NO_PLATFORM')).toBe(true);
    expect((caught as Error).message).toContain('lonely');
  });
});

describe('Autoscaler status and explain', () => {
  it('reports every group, its slices with raw states, the routing decision and recent actions', async () => {
    const c = cluster([testScaleGroup('a', { max_slices: 1 }), testScaleGroup('gpu', { accelerator_type: 'gpu', accelerator_variant: 'h100' })]);
    c.demand.push(entry('t1'), entry('t2'), entry('x', { accelerator_type: 'gpu', accelerator_variant: 'b200' }));
    await c.autoscaler.runOnce();
    await c.clock.advance(1_000);
    await c.autoscaler.runOnce();
    const s = c.autoscaler.status();
    const a = s.groups.find((g) => g.name === 'a')!;
    expect(a.availability).toBe('at_capacity');
    expect(a.slices[0]!.state).toBe('booting');
    expect(a.slices[0]!.vms[0]!.rawState).toBe('CREATING');
    expect(s.lastRouting?.unmetEntries).toBe(2);
    expect(s.lastRouting?.unmet.map((u) => u.reason.code).sort()).toEqual(['no_capacity', 'no_matching_group']);
    expect(s.recentActions.map((x) => x.type)).toEqual(['scale_up', 'scale_up_completed']);

    const e = c.autoscaler.explain();
    const ea = e.groups.find((g) => g.name === 'a')!;
    expect(ea.why.join('\n')).toContain('max_slices=1');
    expect(ea.why.join('\n')).toContain('last size change: scale_up');
    const waits = Object.fromEntries(e.demand.flatMap((d) => d.entryIds.map((id) => [id, d.reason])));
    expect(waits['t1']).toContain('priority routing chose a; waiting for its slice');
    expect(waits['t2']).toContain('no_capacity');
    expect(waits['x']).toContain('no_matching_group');
    // The strategy, each matching group's verdict and the recent decisions with their causes.
    expect(e.strategy).toBe('priority');
    const t2 = e.demand.find((d) => d.entryIds.includes('t2'))!;
    expect(t2.verdicts).toEqual([expect.stringMatching(/^a: chosen \(priority 100\): took 1, then full \(max_slices=1\)$/)]);
    expect(e.recentDecisions?.map((d) => d.type)).toEqual(['scale_up', 'scale_up_completed']);
    // What the controller appends to a pending task's reason.
    expect(c.autoscaler.demandNote('x')).toBe('autoscaler: no scale group offers gpu/b200');
    expect(c.autoscaler.demandNote('t1')).toBe('autoscaler: capacity for it comes from group a');
    expect(c.autoscaler.demandNote('nope')).toBeUndefined();
  });

  it('keeps the action log bounded', async () => {
    const c = cluster([testScaleGroup('a', { max_slices: 500 })], testAutoscalerConfig({ create_burst: 500, max_parallel_creates: 500 }));
    c.demand.push(...Array.from({ length: 300 }, (_, i) => entry(`t${i}`)));
    await c.autoscaler.runOnce();
    expect(c.autoscaler.status().recentActions).toHaveLength(200);
    expect(c.actions).toHaveLength(300);
    await c.clock.advance(1_000);
    await c.autoscaler.settle();
  });
});

describe('Autoscaler reconcile and terminateAll', () => {
  it('adopts labelled slices, sweeps orphans of unknown groups after min age, and only reports in dry run', async () => {
    const c = cluster([testScaleGroup('a')]);
    c.demand.push(entry('t1'));
    await c.autoscaler.runOnce();
    await c.clock.advance(1_000);
    await c.autoscaler.settle();
    // A VM of a group that left the config, and the controller's own VM.
    await c.platform.startVms({ zone: 'zone-a', count: 1, labels: { [LABEL_GROUP]: 'retired' }, bootstrap: TEST_WORKER_BOOTSTRAP });
    await c.platform.startVms({ zone: 'zone-a', count: 1, labels: { 'iris-role': 'controller' }, bootstrap: { ...TEST_WORKER_BOOTSTRAP, role: 'controller' } });
    c.autoscaler.stop();
    const fresh = c.restart();

    const young = await fresh.reconcile({ orphanMinAgeMs: 60_000, dryRun: false });
    expect(young).toMatchObject({ adopted: 1, reissued: 0, dropped: 0 });
    expect(young.orphans.map((o) => o.outcome)).toEqual(['too_young']);
    await c.clock.advance(60_000);
    const dry = await fresh.reconcile({ orphanMinAgeMs: 60_000, dryRun: true });
    expect(dry.orphans.map((o) => [o.group, o.outcome])).toEqual([['retired', 'would_terminate']]);
    expect(c.platform.heldVms()).toHaveLength(3);
    const real = await fresh.reconcile({ orphanMinAgeMs: 60_000, dryRun: false });
    expect(real.orphans.map((o) => o.outcome)).toEqual(['terminated']);
    expect(c.platform.heldVms().map((v) => v.labels['iris-role'])).toEqual(['worker', 'controller']);
    expect(fresh.group('a')!.trackedSlices()).toHaveLength(1);
  });

  it('runs no evaluation that was asked for once terminateAll has begun', async () => {
    const c = cluster([testScaleGroup('a')]);
    await c.autoscaler.runOnce();
    const stopping = c.autoscaler.terminateAll();
    // An evaluation queued by a timer or a request while `iris stop` runs: it must not list or create.
    c.demand.push(entry('late'));
    const late = c.autoscaler.runOnce();
    for (let i = 0; i < 5; i++) await c.clock.advance(10_000);
    await Promise.all([stopping, late]);
    expect(c.platform.createCalls).toBe(0);
    expect(c.platform.heldVms()).toEqual([]);
  });

  it('terminateAll leaves no worker VM behind, including creates still in flight', async () => {
    const c = cluster([testScaleGroup('a'), testScaleGroup('b', { provider: { type: 'fake' } })]);
    c.demand.push(entry('1'), entry('2'));
    await c.autoscaler.runOnce();
    await c.clock.advance(1_000);
    await c.autoscaler.settle();
    c.platform.setBehaviour('a', { createLatencyMs: 30_000 });
    c.demand.push(entry('3'));
    await c.clock.advance(60_000);
    await c.autoscaler.runOnce();
    await c.platform.startVms({ count: 1, labels: { [LABEL_GROUP]: 'gone' }, bootstrap: TEST_WORKER_BOOTSTRAP });
    const stopping = c.autoscaler.terminateAll();
    for (let i = 0; i < 10; i++) await c.clock.advance(10_000);
    const orphans = await stopping;
    expect(orphans.map((o) => o.outcome)).toEqual(['terminated']);
    await c.clock.advance(1_000);
    expect(c.platform.listVms({ labels: clusterLabels('sim') })).resolves.toEqual([]);
    expect(c.platform.heldVms()).toEqual([]);
  });
});
