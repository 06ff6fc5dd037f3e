import type { ScaleGroupConfig } from '@iris/core';
import { describe, expect, it } from 'vitest';
import { schedule } from '../scheduler/scheduler.js';
import { GroupPacker, demandRequest, emptyVm, tasksPerSlice } from './packing.js';
import { ClusterAllowance, routeDemand } from './routing.js';
import { FakeCluster } from './testing/fake-cluster.js';
import { testAutoscalerConfig, testScaleGroup } from './testing/fixtures.js';
import type { DemandEntry } from './types.js';

const GiB = 2 ** 30;
const BEHAVIOUR = { createLatencyMs: 1_000, bootMs: 5_000, initMs: 5_000, terminateLatencyMs: 500 };

function cpuGroup(name: string, overrides: Partial<ScaleGroupConfig> = {}): ScaleGroupConfig {
  return testScaleGroup(name, {
    accelerator_type: 'cpu',
    accelerator_variant: '',
    resources: { cpu: 16, ram: 64 * GiB, disk: 0, gpu_count: 0, tpu_count: 0 },
    ...overrides,
  });
}

function task(id: string, cpu = 1, ram = 2 * GiB, overrides: Partial<DemandEntry> = {}): DemandEntry {
  return { id, resources: { cpu, ram, disk: 0, accelerator_count: 0 }, accelerator_type: 'cpu', gang_size: 1, ...overrides };
}

const unlimited = (): ClusterAllowance => new ClusterAllowance(0, 0, undefined, undefined);

describe('packing demand into slices', () => {
  it('puts six 1-CPU tasks into one 16-CPU slice (the headline of issue 12)', () => {
    const c = new FakeCluster({ groups: [cpuGroup('cpu16')], config: testAutoscalerConfig(), behaviour: BEHAVIOUR, seed: 1 });
    const d = routeDemand(
      c.autoscaler.groups(),
      Array.from({ length: 6 }, (_, i) => task(`t${i}`)),
      c.workers,
      0,
    );
    expect(Object.fromEntries(d.demandByGroup)).toEqual({ cpu16: 1 });
    expect(Object.fromEntries(d.newSlicesByGroup)).toEqual({ cpu16: 1 });
  });

  it('packs first-fit decreasing: big tasks open slices, small ones fill the gaps', () => {
    const p = new GroupPacker(cpuGroup('g', { max_slices: 10 }), 0, 10, undefined, unlimited());
    // 3 x 10-CPU tasks leave 6 CPUs free in each of 3 VMs; 18 x 1-CPU tasks fill exactly those gaps.
    expect(p.place(demandRequest(task('big', 10, 8 * GiB)), 3)).toBe(3);
    expect(p.place(demandRequest(task('small', 1, 1 * GiB)), 18)).toBe(18);
    expect(p.slicesUsed).toBe(3);
    expect(p.place(demandRequest(task('small', 1, 1 * GiB)), 1)).toBe(1);
    expect(p.slicesUsed).toBe(4);
  });

  it('counts empty slices (idle, booting, requested) before opening new ones, and stops at max_slices', () => {
    const p = new GroupPacker(cpuGroup('g'), 2, 1, undefined, unlimited());
    expect(p.place(demandRequest(task('t')), 16 * 4)).toBe(16 * 3);
    expect(p.slicesUsed).toBe(3);
    expect(p.newSlices).toBe(1);
    expect(p.refusal).toBe('max_slices=10');
  });

  it('gives a gang whole slices', () => {
    const c = new FakeCluster({ groups: [testScaleGroup('tpu', { slice_size: 4 })], config: testAutoscalerConfig(), behaviour: BEHAVIOUR, seed: 1 });
    const gang = (id: string): DemandEntry => ({ id, resources: { cpu: 1, ram: GiB, disk: 0, accelerator_count: 4 }, accelerator_type: 'tpu', gang_size: 4 });
    const d = routeDemand(c.autoscaler.groups(), [gang('g1'), gang('g2'), task('small', 1, GiB, { accelerator_type: 'cpu' })], c.workers, 0);
    // Two gangs take two slices; the small task opens a third (it does not squeeze into a gang's slice).
    expect(d.demandByGroup.get('tpu')).toBe(3);
  });

  it("plans with the scheduler's own fit: what it packs into one VM the scheduler places on that VM", () => {
    const group = cpuGroup('g');
    const request = demandRequest(task('t', 3, 10 * GiB));
    const perSlice = tasksPerSlice(request, group);
    expect(perSlice).toBe(5); // 16/3 -> 5 by CPU, 64/10 -> 6 by memory
    const tasks = Array.from({ length: perSlice + 1 }, (_, i) => ({ taskId: `/j/${i}`, jobKey: '/j', resources: request, constraints: [] }));
    const placed = schedule(tasks, [{ ...emptyVm(group), workerId: 'w', startSlots: 100 }]);
    expect(placed.assignments).toHaveLength(perSlice);
  });
});

describe('cluster limits', () => {
  it('holds back demand beyond max_slices_total and reports it per task and per group', () => {
    const c = new FakeCluster({ groups: [cpuGroup('a')], config: testAutoscalerConfig(), behaviour: BEHAVIOUR, seed: 1 });
    const d = routeDemand(
      c.autoscaler.groups(),
      Array.from({ length: 40 }, (_, i) => task(`t${i}`)),
      c.workers,
      0,
      {
        strategy: 'priority',
        maxSlicesTotal: 2,
        maxCostPerHour: undefined,
      },
    );
    expect(d.demandByGroup.get('a')).toBe(2);
    expect(d.unmetEntries).toBe(8);
    expect(d.shapes[0]!.unmet!.reason).toMatchObject({ code: 'held_back_by_limit', message: expect.stringContaining('max_slices_total=2') });
    expect(d.heldBackByGroup.get('a')).toBe(8);
  });

  it('holds back demand beyond max_cost_per_hour', () => {
    const c = new FakeCluster({ groups: [cpuGroup('a', { cost_per_hour: 3 })], config: testAutoscalerConfig(), behaviour: BEHAVIOUR, seed: 1 });
    const d = routeDemand(
      c.autoscaler.groups(),
      Array.from({ length: 64 }, (_, i) => task(`t${i}`)),
      c.workers,
      0,
      {
        strategy: 'priority',
        maxSlicesTotal: undefined,
        maxCostPerHour: 10,
      },
    );
    expect(d.demandByGroup.get('a')).toBe(3);
    expect(d.shapes[0]!.unmet!.reason.message).toContain('max_cost_per_hour=10');
  });
});

describe('routing strategies between groups of one pool', () => {
  const policy = (strategy: 'priority' | 'cost' | 'availability' | 'round_robin' | 'least_waste') => ({
    strategy,
    maxSlicesTotal: undefined,
    maxCostPerHour: undefined,
  });
  const tasks = (n: number, cpu = 1): DemandEntry[] => Array.from({ length: n }, (_, i) => task(`t${i}`, cpu, GiB));

  it('cost: the cheapest per task-hour, whatever the priority; explain names each verdict', () => {
    const c = new FakeCluster({
      groups: [cpuGroup('dear', { priority: 1, cost_per_hour: 4 }), cpuGroup('cheap', { priority: 2, cost_per_hour: 1 })],
      config: testAutoscalerConfig(),
      behaviour: BEHAVIOUR,
      seed: 1,
    });
    const byCost = routeDemand(c.autoscaler.groups(), tasks(20), c.workers, 0, policy('cost'));
    expect(Object.fromEntries(byCost.demandByGroup)).toEqual({ cheap: 2 });
    expect(byCost.shapes[0]!.verdicts.map((v) => [v.group, v.outcome])).toEqual([
      ['cheap', 'chosen'],
      ['dear', 'not_needed'],
    ]);
    expect(byCost.shapes[0]!.verdicts[0]!.measure).toBe('0.0625/task-hour (1/slice-hour)');
    const byPriority = routeDemand(c.autoscaler.groups(), tasks(20), c.workers, 0, policy('priority'));
    expect(Object.fromEntries(byPriority.demandByGroup)).toEqual({ dear: 2 });
  });

  it('availability: skips a group in backoff before trying it', () => {
    const c = new FakeCluster({
      groups: [cpuGroup('a', { priority: 1 }), cpuGroup('b', { priority: 2 })],
      config: testAutoscalerConfig(),
      behaviour: BEHAVIOUR,
      seed: 1,
    });
    c.autoscaler.group('a')!.health.recordFailure('boom');
    expect(Object.fromEntries(routeDemand(c.autoscaler.groups(), tasks(4), c.workers, 0, policy('priority')).demandByGroup)).toEqual({ a: 1 });
    const d = routeDemand(c.autoscaler.groups(), tasks(4), c.workers, 0, policy('availability'));
    expect(Object.fromEntries(d.demandByGroup)).toEqual({ b: 1 });
    expect(d.shapes[0]!.verdicts[0]).toMatchObject({ group: 'a', outcome: 'skipped', detail: expect.stringContaining('backoff') });
  });

  it('round_robin: spreads new slices evenly over equivalent groups', () => {
    const c = new FakeCluster({ groups: [cpuGroup('a'), cpuGroup('b'), cpuGroup('c')], config: testAutoscalerConfig(), behaviour: BEHAVIOUR, seed: 1 });
    const d = routeDemand(c.autoscaler.groups(), tasks(16 * 7), c.workers, 0, policy('round_robin'));
    expect(Object.fromEntries(d.demandByGroup)).toEqual({ a: 3, b: 2, c: 2 });
  });

  it('least_waste: the group whose VM the demand fills best', () => {
    const c = new FakeCluster({
      groups: [
        cpuGroup('big', { priority: 1, resources: { cpu: 16, ram: 64 * GiB, disk: 0, gpu_count: 0, tpu_count: 0 } }),
        cpuGroup('snug', { priority: 2, resources: { cpu: 6, ram: 64 * GiB, disk: 0, gpu_count: 0, tpu_count: 0 } }),
      ],
      config: testAutoscalerConfig(),
      behaviour: BEHAVIOUR,
      seed: 1,
    });
    // 3-CPU tasks: 5 per 16-CPU VM leave 1 CPU idle; 2 per 6-CPU VM leave none.
    const d = routeDemand(c.autoscaler.groups(), tasks(2, 3), c.workers, 0, policy('least_waste'));
    expect(Object.fromEntries(d.demandByGroup)).toEqual({ snug: 1 });
  });

  it('tries pools in the order of their best priority, the strategy only within a pool', () => {
    const c = new FakeCluster({
      groups: [cpuGroup('lab', { priority: 1, pool: 'onprem', cost_per_hour: 9 }), cpuGroup('cloud', { priority: 5, pool: 'cloud', cost_per_hour: 1 })],
      config: testAutoscalerConfig(),
      behaviour: BEHAVIOUR,
      seed: 1,
    });
    const d = routeDemand(c.autoscaler.groups(), tasks(20), c.workers, 0, policy('cost'));
    expect(Object.fromEntries(d.demandByGroup)).toEqual({ lab: 2 });
  });
});

describe("availability from the providers' offerings", () => {
  it('skips a group whose type the provider reports unavailable in its zones, under the availability strategy', async () => {
    const c = new FakeCluster({
      groups: [testScaleGroup('first', { priority: 1 }), testScaleGroup('second', { priority: 2 })],
      config: testAutoscalerConfig({ routing: 'availability' }),
      behaviour: BEHAVIOUR,
      seed: 1,
    });
    const platform = c.platform as typeof c.platform & { listInstanceTypes?: () => Promise<unknown[]> };
    platform.listInstanceTypes = async () => [{ name: 'v5litepod-4', accelerator: 'tpu', zones: ['zone-a'], available: false, preemptible: false }];
    await c.autoscaler.reconcile({ orphanMinAgeMs: 0, dryRun: true });
    expect(c.autoscaler.group('first')!.offeringUnavailable).toBe('v5litepod-4 in zone-a');
    const tpuTask: DemandEntry = { id: 't', resources: { cpu: 1, ram: GiB, disk: 0, accelerator_count: 4 }, accelerator_type: 'tpu', gang_size: 1 };
    const d = routeDemand(c.autoscaler.groups(), [tpuTask], c.workers, 0, { strategy: 'availability', maxSlicesTotal: undefined, maxCostPerHour: undefined });
    // Both groups list the same type, so both are skipped: nothing is tried against a known stockout.
    expect(d.shapes[0]!.verdicts.map((v) => [v.group, v.outcome])).toEqual([
      ['first', 'skipped'],
      ['second', 'skipped'],
    ]);
    expect(d.shapes[0]!.verdicts[0]!.detail).toContain('reported unavailable by the provider');
  });
});
