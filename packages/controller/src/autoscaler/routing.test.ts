import type { ScaleGroupConfig } from '@iris/core';
import { describe, expect, it } from 'vitest';
import { routeDemand } from './routing.js';
import { FakeCluster } from './testing/fake-cluster.js';
import { testAutoscalerConfig, testScaleGroup } from './testing/fixtures.js';
import type { DemandEntry } from './types.js';

const BEHAVIOUR = { createLatencyMs: 1_000, bootMs: 5_000, initMs: 5_000, terminateLatencyMs: 500 };

function cluster(groups: ScaleGroupConfig[]): FakeCluster {
  return new FakeCluster({ groups, config: testAutoscalerConfig(), behaviour: BEHAVIOUR, seed: 1 });
}

function entry(id: string, overrides: Partial<DemandEntry> = {}): DemandEntry {
  return {
    id,
    resources: { cpu: 1, ram: 2 ** 30, disk: 0, accelerator_count: 4 },
    accelerator_type: 'tpu',
    accelerator_variant: 'v5litepod-4',
    gang_size: 1,
    ...overrides,
  };
}

function route(c: FakeCluster, entries: DemandEntry[]) {
  return routeDemand(c.autoscaler.groups(), entries, c.workers, c.clock.now());
}

describe('routeDemand', () => {
  it('fills groups in priority order, lower first, and overflows when one is full', () => {
    const c = cluster([testScaleGroup('b', { priority: 20, max_slices: 5 }), testScaleGroup('a', { priority: 10, max_slices: 2 })]);
    const d = route(
      c,
      ['1', '2', '3', '4'].map((id) => entry(id)),
    );
    expect(Object.fromEntries(d.demandByGroup)).toEqual({ a: 2, b: 2 });
    expect(d.unmetEntries).toBe(0);
  });

  it('matches accelerator type and variant; a CPU entry fits any group', () => {
    const c = cluster([
      testScaleGroup('tpu4', { priority: 1 }),
      testScaleGroup('gpu', {
        priority: 2,
        accelerator_type: 'gpu',
        accelerator_variant: 'a100',
        resources: { cpu: 8, ram: 2 ** 36, disk: 0, gpu_count: 8, tpu_count: 0 },
      }),
    ]);
    const d = route(c, [
      entry('t'),
      entry('g', { accelerator_type: 'gpu', accelerator_variant: 'a100', resources: { cpu: 1, ram: 1, disk: 0, accelerator_count: 2 } }),
      entry('c', { accelerator_type: 'cpu', resources: { cpu: 1, ram: 1, disk: 0, accelerator_count: 0 } }),
      entry('v', { accelerator_variant: 'v6e-8' }),
    ]);
    const where = new Map(d.shapes.flatMap((s) => s.routed.flatMap((r) => r.entryIds.map((id) => [id, r.group] as const))));
    expect(where.get('t')).toBe('tpu4');
    expect(where.get('g')).toBe('gpu');
    expect(where.get('c')).toBe('tpu4');
    const unmet = d.shapes.find((s) => s.unmet)?.unmet;
    expect(unmet?.entryIds).toEqual(['v']);
    expect(unmet?.reason.code).toBe('no_matching_group');
    expect(unmet?.reason.message).toContain('tpu/v6e-8');
  });

  it('honours the preemptible preference', () => {
    const c = cluster([testScaleGroup('spot', { preemptible: true, priority: 1 }), testScaleGroup('ondemand', { priority: 2 })]);
    const d = route(c, [entry('p', { preemptible: true }), entry('n', { preemptible: false }), entry('any')]);
    expect(Object.fromEntries(d.demandByGroup)).toEqual({ spot: 2, ondemand: 1 });
  });

  it('gives the most specific reason: gang size, resources, constraints', () => {
    const c = cluster([testScaleGroup('g4', { slice_size: 4, attributes: { pool: 'blue' } })]);
    const d = route(c, [
      entry('gang8', { gang_size: 8 }),
      entry('big', { resources: { cpu: 999, ram: 1, disk: 0, accelerator_count: 0 } }),
      entry('red', { constraints: [{ key: 'pool', op: 'eq', value: 'red' }] }),
      entry('gang4', {
        gang_size: 4,
        constraints: [
          { key: 'pool', op: 'exists' },
          { key: 'tpu-chips', op: 'not_exists' },
        ],
      }),
    ]);
    const reasons = Object.fromEntries(d.shapes.flatMap((s) => (s.unmet ? s.unmet.entryIds.map((id) => [id, s.unmet!.reason.code]) : [])));
    expect(reasons).toEqual({ gang8: 'gang_size_mismatch', big: 'insufficient_resources', red: 'constraints_unsatisfied' });
    expect(d.demandByGroup.get('g4')).toBe(1);
  });

  it('evaluates numeric constraints numerically', () => {
    const c = cluster([testScaleGroup('g', { attributes: { gen: '10' } })]);
    const d = route(c, [
      entry('gt', { constraints: [{ key: 'gen', op: 'gt', value: '9' }] }),
      entry('lt', { constraints: [{ key: 'gen', op: 'lt', value: '9' }] }),
    ]);
    expect(d.demandByGroup.get('g')).toBe(1);
    expect(d.shapes.find((s) => s.unmet)?.unmet?.entryIds).toEqual(['lt']);
  });

  it('prefers a group already scaling over a higher-priority idle one', async () => {
    const c = cluster([testScaleGroup('first', { priority: 1 }), testScaleGroup('second', { priority: 2 })]);
    const second = c.autoscaler.group('second')!;
    second.launch(second.planScaleUp(2, c.workers));
    expect(second.availability(c.workers).state).toBe('requesting');
    const d = route(c, [entry('1'), entry('2'), entry('3')]);
    // second's budget: 2 requesting + 8 headroom, so all three stay with the group already scaling.
    expect(Object.fromEntries(d.demandByGroup)).toEqual({ second: 3 });
    await c.clock.advance(1_000);
    await c.autoscaler.settle();
  });

  it('skips groups in quota backoff and records no_capacity when nothing is left', async () => {
    const c = cluster([testScaleGroup('a', { priority: 1 }), testScaleGroup('b', { priority: 2, max_slices: 1 })]);
    c.platform.failNextCreates('a', 'quota', 1);
    const a = c.autoscaler.group('a')!;
    a.launch(a.planScaleUp(1, c.workers));
    await c.clock.advance(1_000);
    await c.autoscaler.settle();
    expect(a.availability(c.workers).state).toBe('quota');
    const d = route(c, [entry('1'), entry('2')]);
    expect(Object.fromEntries(d.demandByGroup)).toEqual({ b: 1 });
    const unmet = d.shapes[0]!.unmet!;
    expect(unmet.entryIds).toEqual(['2']);
    expect(unmet.reason.code).toBe('no_capacity');
    expect(unmet.reason.message).toContain('a: quota');
    expect(unmet.reason.message).toContain('b: took 1, then full (max_slices=1)');
  });

  it('routes one shape in one pass however many entries it has', () => {
    const c = cluster([testScaleGroup('a', { max_slices: 1_000 })]);
    const entries = Array.from({ length: 5_000 }, (_, i) => entry(`e${i}`));
    const d = route(c, entries);
    expect(d.shapes).toHaveLength(1);
    expect(d.demandByGroup.get('a')).toBe(1_000);
    expect(d.unmetEntries).toBe(4_000);
  });
});
