import { describe, expect, it } from 'vitest';
import { ShapeIndex } from './shape-index.js';
import type { DemandEntry } from './types.js';

function e(id: string, o: Partial<DemandEntry> = {}): DemandEntry {
  return { id, resources: { cpu: 1, ram: 2 ** 30, disk: 0, accelerator_count: 4 }, accelerator_type: 'tpu', accelerator_variant: 'v5', gang_size: 1, ...o };
}

describe('ShapeIndex', () => {
  it('puts equal shapes together in first-seen order and separates every differing field', () => {
    const shared = [{ key: 'pool', op: 'eq' as const, value: 'a' }];
    const entries = [
      e('a1'),
      e('b', { accelerator_variant: 'v6' }),
      e('a2'),
      e('c', { accelerator_type: 'gpu' }),
      e('d', { preemptible: true }),
      e('f', { preemptible: false }),
      e('g', { gang_size: 4 }),
      e('h', { resources: { cpu: 2, ram: 2 ** 30, disk: 0, accelerator_count: 4 } }),
      e('i', { constraints: shared }),
      e('i2', { constraints: [{ key: 'pool', op: 'eq', value: 'a' }] }),
      e('j', { constraints: [{ key: 'pool', op: 'eq', value: 'b' }] }),
      e('k', { accelerator_variant: undefined }),
    ];
    const idx = new ShapeIndex(entries);
    expect(idx.buckets.map((_, b) => idx.ids(b))).toEqual([['a1', 'a2'], ['b'], ['c'], ['d'], ['f'], ['g'], ['h'], ['i', 'i2'], ['j'], ['k']]);
  });

  it('keeps hash collisions apart by comparing fields', () => {
    // cpu*31 + ram/2^20 collides: (1, 31 MiB) vs (2, 0 MiB).
    const idx = new ShapeIndex([
      e('x', { resources: { cpu: 1, ram: 31 * 2 ** 20, disk: 0, accelerator_count: 0 } }),
      e('y', { resources: { cpu: 2, ram: 0, disk: 0, accelerator_count: 0 } }),
      e('x2', { resources: { cpu: 1, ram: 31 * 2 ** 20, disk: 0, accelerator_count: 0 } }),
    ]);
    expect(idx.buckets.map((b) => b.count)).toEqual([2, 1]);
    expect(idx.buckets.map((_, b) => idx.ids(b))).toEqual([['x', 'x2'], ['y']]);
  });
});
