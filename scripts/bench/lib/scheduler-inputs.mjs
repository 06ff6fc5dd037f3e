// Inputs of the scheduler benchmarks: `tasks` pending tasks (100 jobs, 10 resource shapes, some
// with constraints) onto `workers` workers of which most are already full.
const GiB = 1024 ** 3;

export function schedulerInputs(TASKS, WORKERS) {
  const workers = [];
  for (let i = 0; i < WORKERS; i++) {
    const full = i % 5 !== 0; // 80 % of the fleet has no room left
    workers.push({
      workerId: `w-${i}`,
      freeCpu: full ? 0 : 32,
      freeMemoryBytes: full ? 0 : 128 * GiB,
      freeDiskBytes: 500 * GiB,
      acceleratorType: i % 10 === 0 ? 'gpu' : undefined,
      acceleratorVariant: i % 10 === 0 ? 'a100' : undefined,
      freeAcceleratorCount: i % 10 === 0 && !full ? 8 : 0,
      attributes: { zone: `z${i % 4}`, generation: i % 7 },
      startSlots: 4,
    });
  }
  const tasks = [];
  for (let i = 0; i < TASKS; i++) {
    const job = i % 100;
    const shape = job % 10;
    tasks.push({
      taskId: `/bench/j${job}/${i}`,
      jobKey: `/bench/j${job}`,
      resources: {
        cpu: 1 + shape,
        memory_bytes: (shape + 1) * GiB,
        disk_bytes: 0,
        ...(shape === 9 ? { accelerator: { type: 'gpu', variant: 'a100', count: 1 } } : {}),
      },
      constraints: shape === 3 ? [{ key: 'generation', op: 'ge', value: 3 }] : shape === 4 ? [{ key: 'zone', op: 'eq', value: 'z1' }] : [],
    });
  }
  return { workers, tasks };
}
