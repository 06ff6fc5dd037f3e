import type { ResourceRequest } from '@iris/core/api';
import type { WorkerCapacity } from './types.js';

/** Accelerator type and variant compatible (a task without accelerator fits any worker). */
export function acceleratorCompatible(resources: ResourceRequest, worker: WorkerCapacity): boolean {
  const acc = resources.accelerator;
  if (!acc || acc.count <= 0) return true;
  if (worker.acceleratorType !== acc.type) return false;
  if (acc.variant && acc.variant !== 'auto' && worker.acceleratorVariant !== acc.variant) return false;
  return true;
}

/**
 * How many tasks of `resources` fit side by side in the worker's free capacity (accelerator
 * compatibility checked separately); Infinity for a request of nothing. This is the one fit
 * function: the scheduler places a task where it is >= 1, and the autoscaler packs demand into
 * planned slices with it, so what the autoscaler plans is what the scheduler places.
 */
export function fitCount(resources: ResourceRequest, worker: WorkerCapacity): number {
  let n = Number.POSITIVE_INFINITY;
  n = Math.min(n, times(resources.cpu, worker.freeCpu));
  n = Math.min(n, times(resources.memory_bytes, worker.freeMemoryBytes));
  n = Math.min(n, times(resources.disk_bytes, worker.freeDiskBytes));
  return Math.min(n, times(resources.accelerator?.count ?? 0, worker.freeAcceleratorCount));
}

/** Free resources cover the request: `fitCount >= 1`. */
export function resourcesFit(resources: ResourceRequest, worker: WorkerCapacity): boolean {
  return fitCount(resources, worker) >= 1;
}

/** Copies of `need` within `free`; fractional CPUs are compared with a tolerance for rounding. */
function times(need: number, free: number): number {
  if (need <= 0) return free < 0 ? 0 : Number.POSITIVE_INFINITY;
  return Math.max(0, Math.floor(free / need + 1e-9));
}

export function commit(resources: ResourceRequest, worker: WorkerCapacity): void {
  worker.freeCpu -= resources.cpu;
  worker.freeMemoryBytes -= resources.memory_bytes;
  worker.freeDiskBytes -= resources.disk_bytes;
  worker.freeAcceleratorCount -= resources.accelerator?.count ?? 0;
  worker.startSlots -= 1;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
