import { formatElapsed } from '@iris/core';
import type { AutoscalerConfig } from '@iris/core';
import { workerOf, type SliceRow } from './group-slices.js';
import type { WorkerSnapshot } from './types.js';

/** What one look at the registered workers says about a slice. */
export type WorkerVerdict =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'ready' }
  | { readonly kind: 'worker_died'; readonly vmId: string }
  | { readonly kind: 'reap'; readonly reason: string };

/**
 * Matches a slice's VMs to registered workers (by VM id): extends its liveness deadline by their
 * heartbeats, notes activity, and says whether it became ready (every VM's worker registered),
 * lost a worker it had (the controller declared it dead: the slice is unhealthy at once), or is
 * past its deadline (workers never registered within startup_grace, or went silent).
 */
export function observeWorkers(slice: SliceRow, workers: WorkerSnapshot, nowMs: number, config: AutoscalerConfig): WorkerVerdict {
  let all = slice.vms.length > 0;
  let heard = false;
  for (const vm of slice.vms) {
    const w = workerOf(vm, workers);
    if (!w) {
      if (slice.registered.has(vm.vmId)) return { kind: 'worker_died', vmId: vm.vmId };
      all = false;
      continue;
    }
    heard = true;
    slice.registered.add(vm.vmId);
    const deadline = w.lastHeartbeatMs + config.heartbeat_grace;
    if (deadline > slice.livenessDeadlineMs) slice.livenessDeadlineMs = deadline;
    if (w.runningTasks > 0) slice.lastActiveMs = nowMs;
  }
  // Every VM still `requesting` after the create returned: the provider holds the request in its
  // queue (a TPU queued resource waiting for capacity). startup_grace runs from when capacity
  // arrives, so a long queue does not get the request deleted and its place in line lost.
  if (!heard && slice.vms.length > 0 && slice.vms.every((vm) => vm.state === 'requesting')) {
    slice.livenessDeadlineMs = Math.max(slice.livenessDeadlineMs, nowMs + config.startup_grace);
  }
  if (nowMs > slice.livenessDeadlineMs) {
    return {
      kind: 'reap',
      reason: heard
        ? `workers silent for more than heartbeat_grace=${formatElapsed(config.heartbeat_grace)}`
        : `workers never registered within startup_grace=${formatElapsed(config.startup_grace)} (slice ${slice.state})`,
    };
  }
  if (all && (slice.state === 'booting' || slice.state === 'initializing')) return { kind: 'ready' };
  return { kind: 'unchanged' };
}
