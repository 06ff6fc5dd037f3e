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

/** Free resources cover the request (accelerator compatibility checked separately). */
export function resourcesFit(resources: ResourceRequest, worker: WorkerCapacity): boolean {
  return (
    resources.cpu <= worker.freeCpu &&
    resources.memory_bytes <= worker.freeMemoryBytes &&
    resources.disk_bytes <= worker.freeDiskBytes &&
    (resources.accelerator?.count ?? 0) <= worker.freeAcceleratorCount
  );
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
