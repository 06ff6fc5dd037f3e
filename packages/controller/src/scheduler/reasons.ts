import type { ResourceRequest } from '@iris/core/api';
import { describeConstraint, matchesAll } from './constraints.js';
import { acceleratorCompatible, formatBytes, resourcesFit } from './fit.js';
import type { PendingTask, WorkerCapacity } from './types.js';

/** One resource: `label(8)` is "8 free CPUs", `amount(4)` is "4" (for "largest free: 4"). */
type Dimension = { need: number; free: (w: WorkerCapacity) => number; label: (n: number) => string; amount: (n: number) => string };

function dimensions(r: ResourceRequest): Dimension[] {
  const acc = r.accelerator;
  const dims: Dimension[] = [
    { need: r.cpu, free: (w) => w.freeCpu, label: (n) => `${n} free CPU${n === 1 ? '' : 's'}`, amount: String },
    { need: r.memory_bytes, free: (w) => w.freeMemoryBytes, label: (n) => `${formatBytes(n)} free memory`, amount: formatBytes },
    { need: r.disk_bytes, free: (w) => w.freeDiskBytes, label: (n) => `${formatBytes(n)} free disk`, amount: formatBytes },
  ];
  if (acc && acc.count > 0) {
    dims.push({ need: acc.count, free: (w) => w.freeAcceleratorCount, label: (n) => `${n} free ${acc.type} accelerator${n === 1 ? '' : 's'}`, amount: String });
  }
  return dims;
}

/**
 * Why a task of this shape could not be placed, judged against the capacities left after the
 * pass. Says which requirement no worker meets and how close the best worker came.
 */
export function pendingReason(task: PendingTask, workers: readonly WorkerCapacity[]): string {
  if (workers.length === 0) return 'no workers registered';
  const matching = task.constraints.length === 0 ? workers : workers.filter((w) => matchesAll(w.attributes, task.constraints));
  if (matching.length === 0) {
    return `no worker matches constraints ${task.constraints.map(describeConstraint).join(', ')}`;
  }
  const acc = task.resources.accelerator;
  const compatible = matching.filter((w) => acceleratorCompatible(task.resources, w));
  if (compatible.length === 0 && acc) {
    return `no worker has accelerator ${acc.type}${acc.variant && acc.variant !== 'auto' ? `:${acc.variant}` : ''}`;
  }
  for (const dim of dimensions(task.resources)) {
    let best: WorkerCapacity | undefined;
    for (const w of compatible) if (!best || dim.free(w) > dim.free(best)) best = w;
    if (best && dim.free(best) < dim.need) {
      return `no worker has ${dim.label(dim.need)} (largest free: ${dim.amount(Math.max(0, dim.free(best)))} on ${best.workerId})`;
    }
  }
  const fitting = compatible.filter((w) => resourcesFit(task.resources, w));
  if (fitting.length === 0) {
    return `no worker has all of ${describeResources(task.resources)} free at once`;
  }
  return 'every worker that fits is already starting its maximum number of tasks; waiting for the next pass';
}

export function describeResources(r: ResourceRequest): string {
  const parts = [`${r.cpu} CPU`, `${formatBytes(r.memory_bytes)} memory`, `${formatBytes(r.disk_bytes)} disk`];
  if (r.accelerator && r.accelerator.count > 0) parts.push(`${r.accelerator.count} ${r.accelerator.type}`);
  return parts.join(', ');
}
