import { describe, expect, it } from 'vitest';
import type { Constraint, ResourceRequest } from '@iris/core/api';
import { schedule } from './scheduler.js';
import { matchesConstraint } from './constraints.js';
import type { PendingTask, WorkerCapacity } from './types.js';

const GiB = 1024 ** 3;

function worker(id: string, over: Partial<WorkerCapacity> = {}): WorkerCapacity {
  return { workerId: id, freeCpu: 4, freeMemoryBytes: 16 * GiB, freeDiskBytes: 100 * GiB, freeAcceleratorCount: 0, attributes: {}, startSlots: 4, ...over };
}

function task(id: string, resources: Partial<ResourceRequest> = {}, over: Partial<PendingTask> = {}): PendingTask {
  return {
    taskId: id,
    jobKey: id.split('/').slice(0, -1).join('/') || id,
    resources: { cpu: 1, memory_bytes: 0, disk_bytes: 0, ...resources },
    constraints: [],
    ...over,
  };
}

describe('constraint operators', () => {
  const attrs = { zone: 'a', gen: 5, count: '8' };
  const cases: Array<[Constraint, boolean]> = [
    [{ key: 'zone', op: 'eq', value: 'a' }, true],
    [{ key: 'zone', op: 'eq', value: 'b' }, false],
    [{ key: 'zone', op: 'ne', value: 'b' }, true],
    [{ key: 'zone', op: 'ne', value: 'a' }, false],
    [{ key: 'missing', op: 'ne', value: 'a' }, true],
    [{ key: 'zone', op: 'exists' }, true],
    [{ key: 'missing', op: 'exists' }, false],
    [{ key: 'missing', op: 'not_exists' }, true],
    [{ key: 'zone', op: 'not_exists' }, false],
    [{ key: 'gen', op: 'gt', value: 4 }, true],
    [{ key: 'gen', op: 'gt', value: 5 }, false],
    [{ key: 'gen', op: 'ge', value: 5 }, true],
    [{ key: 'gen', op: 'lt', value: 6 }, true],
    [{ key: 'gen', op: 'lt', value: 5 }, false],
    [{ key: 'gen', op: 'le', value: 5 }, true],
    [{ key: 'count', op: 'ge', value: '8' }, true],
    [{ key: 'zone', op: 'gt', value: 1 }, false],
    [{ key: 'missing', op: 'lt', value: 1 }, false],
  ];
  it.each(cases)('%j → %s', (c, expected) => {
    expect(matchesConstraint(attrs, c)).toBe(expected);
  });
});

describe('schedule', () => {
  it('places tasks first fit and respects the per-worker start cap', () => {
    const tasks = Array.from({ length: 6 }, (_, i) => task(`/j/${i}`));
    const r = schedule(tasks, [worker('w1', { startSlots: 2 }), worker('w2', { startSlots: 2 })]);
    expect(r.assignments.map((a) => a.workerId)).toEqual(['w1', 'w1', 'w2', 'w2']);
    expect(r.pendingReasons.get('/j/4')).toMatch(/maximum number of tasks/);
  });

  it('does not block the line behind a task that does not fit', () => {
    const r = schedule([task('/big/0', { cpu: 8 }), task('/small/0', { cpu: 1 })], [worker('w1'), worker('w-3', { freeCpu: 2 })]);
    expect(r.assignments).toEqual([{ taskId: '/small/0', workerId: 'w1' }]);
    expect(r.pendingReasons.get('/big/0')).toBe('no worker has 8 free CPUs (largest free: 3 on w1)');
  });

  it('accounts memory, disk and accelerators with type and variant', () => {
    const workers = [
      worker('cpu'),
      worker('gpu-v100', { acceleratorType: 'gpu', acceleratorVariant: 'v100', freeAcceleratorCount: 8 }),
      worker('gpu-a100', { acceleratorType: 'gpu', acceleratorVariant: 'a100', freeAcceleratorCount: 2 }),
    ];
    const r = schedule(
      [
        task('/a/0', { accelerator: { type: 'gpu', variant: 'a100', count: 2 } }),
        task('/a/1', { accelerator: { type: 'gpu', variant: 'a100', count: 2 } }),
        task('/b/0', { accelerator: { type: 'gpu', count: 4 } }),
        task('/c/0', { accelerator: { type: 'tpu', variant: 'v5', count: 4 } }),
        task('/d/0', { memory_bytes: 64 * GiB }),
        task('/e/0', { disk_bytes: 10 * GiB, memory_bytes: 2 * GiB }),
      ],
      workers,
    );
    expect(r.assignments).toEqual([
      { taskId: '/a/0', workerId: 'gpu-a100' },
      { taskId: '/b/0', workerId: 'gpu-v100' },
      { taskId: '/e/0', workerId: 'cpu' },
    ]);
    expect(r.pendingReasons.get('/a/1')).toBe('no worker has 2 free gpu accelerators (largest free: 0 on gpu-a100)');
    expect(r.pendingReasons.get('/c/0')).toBe('no worker has accelerator tpu:v5');
    expect(r.pendingReasons.get('/d/0')).toBe('no worker has 64 GiB free memory (largest free: 16 GiB on gpu-v100)');
  });

  it('filters workers by constraints and explains a mismatch', () => {
    const workers = [worker('w1', { attributes: { zone: 'a', gen: 4 } }), worker('w2', { attributes: { zone: 'b', gen: 6 } })];
    const r = schedule(
      [task('/x/0', {}, { constraints: [{ key: 'gen', op: 'ge', value: 5 }] }), task('/y/0', {}, { constraints: [{ key: 'zone', op: 'eq', value: 'c' }] })],
      workers,
    );
    expect(r.assignments).toEqual([{ taskId: '/x/0', workerId: 'w2' }]);
    expect(r.pendingReasons.get('/y/0')).toBe('no worker matches constraints zone=c');
  });

  it('reports when nothing is registered and when no worker has everything at once', () => {
    expect(schedule([task('/a/0')], []).pendingReasons.get('/a/0')).toBe('no workers registered');
    const r = schedule([task('/a/0', { cpu: 4, memory_bytes: 16 * GiB })], [worker('w1', { freeCpu: 4, freeMemoryBytes: GiB }), worker('w2', { freeCpu: 1 })]);
    expect(r.pendingReasons.get('/a/0')).toMatch(/no worker has all of 4 CPU, 16 GiB memory/);
  });

  it('places a gang at once on workers sharing the attribute, ordered by tpu-worker-id', () => {
    const slice = (name: string, n: number, free = 4) =>
      Array.from({ length: n }, (_, i) => worker(`${name}-${i}`, { freeCpu: free, attributes: { 'tpu-name': name, 'tpu-worker-id': n - 1 - i } }));
    const workers = [...slice('s1', 2), ...slice('s2', 4)];
    const gang = Array.from({ length: 4 }, (_, i) => task(`/g/${i}`, {}, { jobKey: '/g', groupBy: 'tpu-name' }));
    const r = schedule([task('/first/0'), ...gang], workers);
    // The gang goes first even though the other job is earlier in the queue.
    expect(r.assignments.slice(0, 4)).toEqual([
      { taskId: '/g/0', workerId: 's2-3' },
      { taskId: '/g/1', workerId: 's2-2' },
      { taskId: '/g/2', workerId: 's2-1' },
      { taskId: '/g/3', workerId: 's2-0' },
    ]);
    expect(r.assignments[4]).toEqual({ taskId: '/first/0', workerId: 's1-0' });
  });

  it('leaves a gang entirely pending when no group is large enough', () => {
    const workers = [worker('a', { attributes: { 'tpu-name': 's1' } }), worker('b', { attributes: { 'tpu-name': 's2' } })];
    const gang = Array.from({ length: 2 }, (_, i) => task(`/g/${i}`, {}, { jobKey: '/g', groupBy: 'tpu-name' }));
    const r = schedule(gang, workers);
    expect(r.assignments).toEqual([]);
    expect(r.pendingReasons.get('/g/1')).toBe("gang: need 2 free workers with the same 'tpu-name', largest group has 1");
  });

  it('does not mutate its inputs', () => {
    const workers = [worker('w1')];
    schedule([task('/a/0', { cpu: 2 })], workers);
    expect(workers[0]!.freeCpu).toBe(4);
  });

  it('places 100k tasks onto 10k workers in one pass', () => {
    const workers = Array.from({ length: 10_000 }, (_, i) => worker(`w${i}`, { freeCpu: i % 10 === 0 ? 16 : 0 }));
    const tasks = Array.from({ length: 100_000 }, (_, i) => task(`/j${i % 100}/${i}`, { cpu: 1 }));
    const start = performance.now();
    const r = schedule(tasks, workers);
    const ms = performance.now() - start;
    expect(r.assignments.length).toBe(4_000);
    expect(r.pendingReasons.size).toBe(96_000);
    expect(ms).toBeLessThan(5_000); // the 0.4 s bar is measured by the benchmark, not asserted here
  });
});
