import { FakeClock, silentLogger, type AutoscalerConfig, type ScaleGroupConfig, type VmManager } from '@iris/core';
import { describe, expect, it } from 'vitest';
import { ActionLog } from './action-log.js';
import { CreateSlots } from './create-slots.js';
import { ScalingGroup } from './scaling-group.js';
import { InMemorySliceStore } from './slice-store.js';
import { FakePlatform } from './testing/fake-platform.js';
import { TEST_WORKER_BOOTSTRAP, testWorkerLaunch, testAutoscalerConfig, testScaleGroup } from './testing/fixtures.js';
import { TokenBucket } from './token-bucket.js';
import type { AutoscalerAction, WorkerLiveness, WorkerSnapshot } from './types.js';

const NO_WORKERS: WorkerSnapshot = new Map();

function setup(
  group: Partial<ScaleGroupConfig> = {},
  config: Partial<AutoscalerConfig> = {},
  extra: { parallel?: number; providerRate?: number; wrap?: (m: VmManager) => VmManager } = {},
) {
  const clock = new FakeClock(1_000_000);
  const platform = new FakePlatform({
    type: 'fake',
    clusterName: 'test',
    clock,
    behaviour: { createLatencyMs: 1_000, bootMs: 5_000, initMs: 5_000, terminateLatencyMs: 500 },
  });
  const cfg = testAutoscalerConfig(config);
  const groupConfig = testScaleGroup('g', group);
  const store = new InMemorySliceStore();
  const actions: AutoscalerAction[] = [];
  const log = new ActionLog(1000, (a) => actions.push(a));
  let evaluations = 0;
  const manager = platform.vmManager(groupConfig);
  const providerBucket = extra.providerRate === undefined ? undefined : new TokenBucket(clock, extra.providerRate, extra.providerRate);
  const make = () =>
    new ScalingGroup(groupConfig, extra.wrap ? extra.wrap(manager) : manager, cfg, clock, store, {
      bootstrap: TEST_WORKER_BOOTSTRAP,
      launch: (requestId) => testWorkerLaunch(groupConfig, requestId),
      shortLivedSliceMs: 300_000,
      actionLog: log,
      groupBucket: new TokenBucket(clock, cfg.create_rate_per_minute, cfg.create_burst),
      providerBucket,
      createSlots: new CreateSlots(extra.parallel ?? cfg.max_parallel_creates),
      requestEvaluation: () => evaluations++,
      random: seeded(7),
      logger: silentLogger,
    });
  const g = make();
  return { clock, platform, cfg, store, actions, g, make, evaluations: () => evaluations, types: () => actions.map((a) => a.type) };
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

/** Workers registered (by VM id) on every VM the provider reports ready. */
function workersOf(g: ScalingGroup, clock: FakeClock, running = 0): WorkerSnapshot {
  const m = new Map<string, WorkerLiveness>();
  for (const s of g.trackedSlices()) for (const vm of s.vms) if (vm.state === 'ready') m.set(vm.vmId, { lastHeartbeatMs: clock.now(), runningTasks: running });
  return m;
}

async function scaleTo(ctx: ReturnType<typeof setup>, n: number): Promise<void> {
  ctx.g.launch(ctx.g.planScaleUp(n, NO_WORKERS));
  await ctx.clock.advance(1_000);
  await ctx.g.settle();
}

describe('ScalingGroup scale-up decisions', () => {
  it('scales up below min_slices and for demand beyond coming capacity, capped at max_slices', () => {
    const { g } = setup({ min_slices: 2, max_slices: 5 });
    expect(g.planScaleUp(0, NO_WORKERS)).toMatchObject({ wanted: 2, reason: expect.stringContaining('min_slices') });
    expect(g.planScaleUp(4, NO_WORKERS)).toMatchObject({ wanted: 4, reason: 'demand=4 > capacity=0' });
    expect(g.planScaleUp(9, NO_WORKERS).wanted).toBe(5);
  });

  it('persists a requesting row before the provider answers, then the real slice', async () => {
    const ctx = setup();
    const result = ctx.g.launch(ctx.g.planScaleUp(2, NO_WORKERS));
    expect(result.started).toBe(2);
    expect(ctx.store.list('g').map((s) => s.state)).toEqual(['requesting', 'requesting']);
    expect(ctx.g.availability(NO_WORKERS).state).toBe('requesting');
    await ctx.clock.advance(1_000);
    await ctx.g.settle();
    const rows = ctx.store.list('g');
    expect(rows.map((s) => s.state)).toEqual(['booting', 'booting']);
    expect(rows.every((r) => r.sliceId !== undefined && !r.sliceId.startsWith('pending:'))).toBe(true);
    expect(ctx.platform.liveSlices('g')).toHaveLength(2);
    expect(ctx.types()).toEqual(['scale_up', 'scale_up', 'scale_up_completed', 'scale_up_completed']);
    // Coming capacity covers the demand: nothing more.
    expect(ctx.g.planScaleUp(2, NO_WORKERS).wanted).toBe(0);
  });

  it('waits out scale_up_delay between batches', async () => {
    const ctx = setup();
    await scaleTo(ctx, 1);
    const blocked = ctx.g.launch(ctx.g.planScaleUp(2, NO_WORKERS));
    expect(blocked).toMatchObject({ started: 0, limitedBy: 'cooldown' });
    await ctx.clock.advance(ctx.cfg.scale_up_delay);
    expect(ctx.g.launch(ctx.g.planScaleUp(2, NO_WORKERS)).started).toBe(1);
  });

  it('respects the group token bucket and says when to retry', () => {
    const ctx = setup({}, { create_burst: 2, create_rate_per_minute: 6 });
    const r = ctx.g.launch(ctx.g.planScaleUp(5, NO_WORKERS));
    expect(r.started).toBe(2);
    expect(r.limitedBy).toContain('group create rate');
    expect(r.retryAtMs).toBe(ctx.clock.now() + 10_000);
  });

  it('respects the provider bucket and max_parallel_creates', () => {
    const a = setup({}, {}, { providerRate: 3 });
    expect(a.g.launch(a.g.planScaleUp(5, NO_WORKERS))).toMatchObject({ started: 3, limitedBy: 'provider create rate' });
    const b = setup({}, {}, { parallel: 1 });
    expect(b.g.launch(b.g.planScaleUp(5, NO_WORKERS))).toMatchObject({ started: 1, limitedBy: 'max_parallel_creates' });
  });
});

describe('ScalingGroup reactions to provider errors', () => {
  it('backs off exponentially on transient errors and resets on success', async () => {
    const ctx = setup();
    ctx.platform.failNextCreates('g', 'transient', 2);
    await scaleTo(ctx, 1);
    expect(ctx.g.health.consecutiveFailures).toBe(1);
    expect(ctx.g.availability(NO_WORKERS).state).toBe('backoff');
    expect(ctx.g.health.backoffUntilMs).toBe(ctx.clock.now() + 5_000);
    expect(ctx.g.launch(ctx.g.planScaleUp(1, NO_WORKERS)).limitedBy).toBe('backoff');
    await ctx.clock.advance(5_000);
    await scaleTo(ctx, 1);
    expect(ctx.g.health.consecutiveFailures).toBe(2);
    expect(ctx.g.health.backoffUntilMs).toBe(ctx.clock.now() + 10_000);
    await ctx.clock.advance(10_000);
    await scaleTo(ctx, 1);
    expect(ctx.g.health.consecutiveFailures).toBe(0);
    expect(ctx.g.availability(NO_WORKERS).state).toBe('available');
    expect(ctx.evaluations()).toBeGreaterThan(0);
  });

  it('caps backoff at backoff_max', () => {
    const ctx = setup({}, { backoff_initial: 1_000, backoff_max: 4_000 });
    expect([1, 2, 3, 4, 10].map((n) => ctx.g.health.backoffDelay(n))).toEqual([1_000, 2_000, 4_000, 4_000, 4_000]);
  });

  it('skips the group for quota_timeout after a quota error', async () => {
    const ctx = setup();
    ctx.platform.failNextCreates('g', 'quota', 1);
    await scaleTo(ctx, 1);
    expect(ctx.g.availability(NO_WORKERS).state).toBe('quota');
    expect(ctx.types()).toContain('quota_exceeded');
    await ctx.clock.advance(ctx.cfg.quota_timeout);
    expect(ctx.g.availability(NO_WORKERS).state).toBe('available');
  });

  it('moves to the next zone on a stockout, and reports stockout when every zone is out', async () => {
    const ctx = setup({ provider: { type: 'fake', zones: ['zone-a', 'zone-b'] } });
    ctx.platform.setStockout('zone-a', true);
    await scaleTo(ctx, 1);
    expect(ctx.g.health.pickZone()).toBe('zone-b');
    expect(ctx.g.availability(NO_WORKERS).state).toBe('available');
    await scaleTo(ctx, 1);
    expect(ctx.g.trackedSlices().map((s) => s.zone)).toEqual(['zone-b']);

    const both = setup({ provider: { type: 'fake', zones: ['zone-a', 'zone-b'] } });
    both.platform.setStockout('zone-a', true);
    both.platform.setStockout('zone-b', true);
    await scaleTo(both, 1);
    await scaleTo(both, 1);
    expect(both.g.availability(NO_WORKERS).state).toBe('stockout');
    expect(both.g.health.stockouts().map((s) => s.zone)).toEqual(['zone-a', 'zone-b']);
  });

  it('waits retryAfterMs after a rate limit and pauses the provider bucket', async () => {
    const ctx = setup({}, {}, { providerRate: 10 });
    ctx.platform.failNextCreates('g', 'rate_limited', 1, 42_000);
    await scaleTo(ctx, 1);
    expect(ctx.g.health.rateLimitedUntilMs).toBe(ctx.clock.now() + 42_000);
    expect(ctx.g.availability(NO_WORKERS).state).toBe('backoff');
    expect(ctx.g.health.consecutiveFailures).toBe(0);
    await ctx.clock.advance(42_000);
    expect(ctx.g.launch(ctx.g.planScaleUp(1, NO_WORKERS)).started).toBe(1);
  });

  it.each(['invalid_request', 'auth'] as const)('marks the group unavailable on %s with the reason', async (kind) => {
    const ctx = setup();
    ctx.platform.failNextCreates('g', kind, 1);
    await scaleTo(ctx, 1);
    const a = ctx.g.availability(NO_WORKERS);
    expect(a.state).toBe('unavailable');
    expect(a.detail).toContain(kind);
    await ctx.clock.advance(3_600_000);
    expect(ctx.g.availability(NO_WORKERS).state).toBe('unavailable');
  });

  it('gives up on a create past requesting_timeout and terminates the slice that arrives late', async () => {
    const ctx = setup({}, { requesting_timeout: 10_000 });
    ctx.platform.setBehaviour('g', { createLatencyMs: 60_000 });
    ctx.g.launch(ctx.g.planScaleUp(1, NO_WORKERS));
    await ctx.clock.advance(10_000);
    expect(ctx.g.expireRequests()).toBe(1);
    expect(ctx.g.trackedSlices()).toHaveLength(0);
    expect(ctx.g.knownRequestIds().size).toBe(1);
    expect(ctx.g.availability(NO_WORKERS).state).toBe('backoff');
    await ctx.clock.advance(50_000);
    await ctx.clock.advance(500);
    await ctx.g.settle();
    expect(ctx.platform.heldVms()).toHaveLength(0);
    expect(ctx.store.list('g')).toHaveLength(0);
    expect(ctx.types()).toEqual(['scale_up', 'requesting_timeout', 'failed_cleanup']);
  });
});

describe('ScalingGroup housekeeping', () => {
  it('terminates a preempted slice at once and backs off when it died young', async () => {
    const ctx = setup();
    await scaleTo(ctx, 1);
    const slice = ctx.g.trackedSlices()[0]!;
    ctx.platform.preempt(slice.sliceId!);
    await ctx.g.refresh();
    expect(ctx.g.cleanupFailed()).toBe(1);
    expect(ctx.types()).toContain('failed_cleanup');
    expect(ctx.types()).toContain('backoff');
    await ctx.clock.advance(500);
    await ctx.g.settle();
    expect(ctx.platform.heldVms()).toHaveLength(0);
    expect(ctx.g.trackedSlices()).toHaveLength(0);
  });

  it('treats a slice the provider stopped listing as lost', async () => {
    const ctx = setup();
    await scaleTo(ctx, 1);
    const id = ctx.g.trackedSlices()[0]!.sliceId;
    ctx.platform.slices.delete(id!);
    await ctx.g.refresh();
    expect(ctx.g.trackedSlices()[0]!.state).toBe('failed');
    expect(ctx.g.cleanupFailed()).toBe(1);
  });

  it('reaps a slice whose boot never finishes once startup_grace passes', async () => {
    const ctx = setup({}, { startup_grace: 600_000 });
    ctx.platform.stickNextBoots('g', 1);
    await scaleTo(ctx, 1);
    await ctx.clock.advance(598_000);
    await ctx.g.refresh();
    expect(ctx.g.observeWorkers(NO_WORKERS)).toBe(0);
    await ctx.clock.advance(2_001);
    expect(ctx.g.observeWorkers(NO_WORKERS)).toBe(1);
    expect(ctx.actions.at(-1)?.reason).toContain('never registered');
  });

  it('holds startup_grace while the provider keeps the request queued, and starts it when capacity arrives', async () => {
    const ctx = setup({}, { startup_grace: 600_000 });
    ctx.platform.stickNextBoots('g', 1);
    await scaleTo(ctx, 1);
    const [queued] = ctx.platform.liveSlices('g');
    const setVms = (state: string): void => {
      for (const vm of queued!.vms) (vm as { state: string }).state = state;
    };
    // A queued resource waiting for capacity: every VM requesting, for far longer than the grace.
    setVms('requesting');
    for (let hour = 0; hour < 3; hour++) {
      await ctx.clock.advance(3_600_000);
      await ctx.g.refresh();
      expect(ctx.g.observeWorkers(NO_WORKERS)).toBe(0);
    }
    // Capacity arrives: from here the VMs have startup_grace to register their workers.
    setVms('booting');
    await ctx.g.refresh();
    await ctx.clock.advance(590_000);
    expect(ctx.g.observeWorkers(NO_WORKERS)).toBe(0);
    await ctx.clock.advance(10_001);
    expect(ctx.g.observeWorkers(NO_WORKERS)).toBe(1);
    expect(ctx.actions.at(-1)?.reason).toContain('never registered');
  });

  it('keeps a heartbeating slice past startup_grace and reaps it heartbeat_grace after the last beat', async () => {
    const ctx = setup({}, { startup_grace: 60_000, heartbeat_grace: 30_000 });
    await scaleTo(ctx, 1);
    await ctx.clock.advance(10_000);
    await ctx.g.refresh();
    const beats = workersOf(ctx.g, ctx.clock);
    expect(beats.size).toBe(1);
    await ctx.clock.advance(55_000);
    expect(ctx.g.observeWorkers(workersOf(ctx.g, ctx.clock))).toBe(0);
    const last = workersOf(ctx.g, ctx.clock);
    await ctx.clock.advance(30_001);
    expect(ctx.g.observeWorkers(last)).toBe(1);
    expect(ctx.actions.find((a) => a.type === 'liveness_reap')?.reason).toContain('silent');
  });

  it('scales down the longest-idle slice first, never below min, only after scale_down_delay', async () => {
    const ctx = setup({ min_slices: 1 }, { scale_down_delay: 60_000 });
    await scaleTo(ctx, 3);
    await ctx.clock.advance(10_000);
    await ctx.g.refresh();
    const [a, b, c] = ctx.g.trackedSlices();
    const busy = (ids: string[]) => {
      const m = new Map<string, WorkerLiveness>();
      for (const s of ctx.g.trackedSlices())
        for (const vm of s.vms) m.set(vm.address, { lastHeartbeatMs: ctx.clock.now(), runningTasks: ids.includes(s.sliceId!) ? 1 : 0 });
      return m;
    };
    // b was busy more recently than a; c is still busy.
    ctx.g.observeWorkers(busy([a!.sliceId!, b!.sliceId!, c!.sliceId!]));
    await ctx.clock.advance(10_000);
    ctx.g.observeWorkers(busy([b!.sliceId!, c!.sliceId!]));
    await ctx.clock.advance(10_000);
    ctx.g.observeWorkers(busy([c!.sliceId!]));
    expect(ctx.g.scaleDown(0, busy([c!.sliceId!]))).toBe(0);
    await ctx.clock.advance(60_000);
    expect(ctx.g.scaleDown(0, busy([c!.sliceId!]))).toBe(2);
    const downs = ctx.actions.filter((x) => x.type === 'scale_down').map((x) => x.sliceId);
    expect(downs).toEqual([a!.sliceId, b!.sliceId]);
    await ctx.clock.advance(500);
    await ctx.g.settle();
    expect(ctx.g.trackedSlices().map((s) => s.sliceId)).toEqual([c!.sliceId]);
  });

  it('keeps idle slices that routed demand needs', async () => {
    const ctx = setup({}, { scale_down_delay: 1_000, scale_down_cooldown: 0 });
    await scaleTo(ctx, 2);
    await ctx.clock.advance(10_000);
    await ctx.g.refresh();
    ctx.g.observeWorkers(workersOf(ctx.g, ctx.clock));
    await ctx.clock.advance(1_000);
    expect(ctx.g.scaleDown(2, NO_WORKERS)).toBe(0);
    expect(ctx.g.scaleDown(1, NO_WORKERS)).toBe(1);
  });

  it('is ready only once the worker of every VM registered, by VM id', async () => {
    const ctx = setup({ slice_size: 2 });
    await scaleTo(ctx, 1);
    await ctx.clock.advance(10_000);
    await ctx.g.refresh();
    const slice = ctx.g.trackedSlices()[0]!;
    expect(slice.vms.map((vm) => vm.state)).toEqual(['ready', 'ready']);
    expect(slice.state).toBe('initializing');
    const one = new Map<string, WorkerLiveness>([[slice.vms[0]!.vmId, { lastHeartbeatMs: ctx.clock.now(), runningTasks: 0 }]]);
    ctx.g.observeWorkers(one);
    expect(ctx.g.trackedSlices()[0]!.state).toBe('initializing');
    ctx.g.observeWorkers(workersOf(ctx.g, ctx.clock));
    expect(ctx.g.trackedSlices()[0]!.state).toBe('ready');
    expect(ctx.store.list('g')[0]!.state).toBe('ready');
  });

  it('terminates a slice at once when the controller drops one of its workers as dead', async () => {
    const ctx = setup({ slice_size: 2 });
    await scaleTo(ctx, 1);
    await ctx.clock.advance(10_000);
    await ctx.g.refresh();
    const all = workersOf(ctx.g, ctx.clock);
    ctx.g.observeWorkers(all);
    const [first] = ctx.g.trackedSlices()[0]!.vms;
    const withoutFirst = new Map([...all].filter(([id]) => id !== first!.vmId));
    expect(ctx.g.observeWorkers(withoutFirst)).toBe(1);
    expect(ctx.g.trackedSlices()[0]!.state).toBe('terminating');
    expect(ctx.actions.at(-2)).toMatchObject({ type: 'worker_failed', reason: expect.stringContaining(first!.vmId) });
    expect(ctx.g.planScaleUp(1, withoutFirst).wanted).toBe(1);
  });

  it('waits scale_down_cooldown after a scale-up or scale-down before releasing another slice', async () => {
    const ctx = setup({}, { scale_down_delay: 1_000, scale_down_cooldown: 120_000 });
    await scaleTo(ctx, 2);
    await ctx.clock.advance(10_000);
    await ctx.g.refresh();
    ctx.g.observeWorkers(workersOf(ctx.g, ctx.clock));
    await ctx.clock.advance(60_000);
    expect(ctx.g.scaleDown(0, NO_WORKERS)).toBe(0);
    await ctx.clock.advance(60_000);
    // Both idle slices go in the one decision the cooldown allows.
    expect(ctx.g.scaleDown(0, NO_WORKERS)).toBe(2);
  });

  it('terminates the slice of a failed worker', async () => {
    const ctx = setup();
    await scaleTo(ctx, 1);
    const address = ctx.g.trackedSlices()[0]!.vms[0]!.address;
    expect(ctx.g.notifyWorkerFailed('10.9.9.9', 'gone')).toBe(false);
    expect(ctx.g.notifyWorkerFailed(address, 'heartbeat timeout')).toBe(true);
    expect(ctx.types()).toEqual(expect.arrayContaining(['worker_failed', 'backoff']));
  });

  it('retries a terminate that failed', async () => {
    let failOnce = true;
    const ctx = setup(
      {},
      {},
      {
        wrap: (m) => ({
          group: m.group,
          createSlice: (r) => m.createSlice(r),
          listSlices: () => m.listSlices(),
          terminateSlice: async (id) => {
            if (failOnce) {
              failOnce = false;
              throw new Error('boom');
            }
            return m.terminateSlice(id);
          },
        }),
      },
    );
    await scaleTo(ctx, 1);
    ctx.g.terminate(ctx.g.trackedSlices()[0]!, 'scale_down', 'test');
    await ctx.g.settle();
    expect(ctx.types()).toContain('terminate_failed');
    expect(ctx.g.trackedSlices()[0]!.state).toBe('terminating');
    ctx.g.retryTerminations();
    await ctx.clock.advance(500);
    await ctx.g.settle();
    expect(ctx.g.trackedSlices()).toHaveLength(0);
    expect(ctx.platform.heldVms()).toHaveLength(0);
  });
});

describe('ScalingGroup restore', () => {
  it('adopts stored and unstored slices, re-issues an unanswered create, drops vanished rows', async () => {
    const ctx = setup();
    await scaleTo(ctx, 2);
    const before = ctx.g
      .trackedSlices()
      .map((s) => s.sliceId)
      .sort();
    // A create the old controller persisted but never sent, and a row for a slice that is gone.
    ctx.store.upsert({ group: 'g', requestId: 'g-lost-req', state: 'requesting', createdAtMs: ctx.clock.now(), livenessDeadlineMs: 0 });
    ctx.store.upsert({ group: 'g', sliceId: 'g-s999', requestId: 'x', state: 'ready', createdAtMs: 0, livenessDeadlineMs: 0 });
    ctx.store.delete('g', before[1]!);
    ctx.g.dispose();
    const fresh = ctx.make();
    const r = await fresh.restore(ctx.store.loadAll());
    expect(r).toEqual({ adopted: 2, reissued: 1, dropped: 1 });
    await ctx.clock.advance(1_000);
    await fresh.settle();
    expect(fresh.trackedSlices()).toHaveLength(3);
    expect(ctx.platform.liveSlices('g')).toHaveLength(3);
    // Re-issuing again with the same request id yields the same slice.
    const calls = ctx.platform.createCalls;
    const again = await ctx.platform
      .vmManager(testScaleGroup('g'))
      .createSlice({ requestId: 'g-lost-req', labels: {}, bootstrap: TEST_WORKER_BOOTSTRAP, launch: testWorkerLaunch(testScaleGroup('g'), 'g-lost-req') });
    expect(ctx.platform.createCalls).toBe(calls + 1);
    expect(ctx.platform.liveSlices('g')).toHaveLength(3);
    expect(fresh.trackedSlices().map((s) => s.sliceId)).toContain(again.sliceId);
  });
});
