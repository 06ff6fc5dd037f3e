import type { AcceleratorType } from '@iris/core';
import type { DemandConstraint, DemandEntry, WorkerSnapshot } from '../autoscaler/types.js';
import type { ControllerState } from '../state/controller-state.js';
import type { TaskRecord } from '../state/model.js';

function acceleratorType(type: string | undefined): AcceleratorType {
  return type === 'gpu' || type === 'tpu' ? type : 'cpu';
}

function entryFor(id: string, task: TaskRecord, gangSize: number): DemandEntry {
  const res = task.job.spec.resources;
  const acc = res.accelerator;
  const constraints: DemandConstraint[] = task.job.spec.constraints.map((c) => ({
    key: c.key,
    op: c.op,
    ...(c.value === undefined ? {} : { value: String(c.value) }),
  }));
  return {
    id,
    resources: { cpu: res.cpu, ram: res.memory_bytes, disk: res.disk_bytes, accelerator_count: acc?.count ?? 0 },
    accelerator_type: acceleratorType(acc?.type),
    ...(acc?.variant && acc.variant !== 'auto' ? { accelerator_variant: acc.variant } : {}),
    gang_size: gangSize,
    ...(constraints.length > 0 ? { constraints } : {}),
  };
}

/**
 * Pending demand for the autoscaler: one entry per pending task, and one per gang (the pending
 * tasks of a job with `group_by`), which needs one whole slice.
 */
export function demandFromState(state: ControllerState): DemandEntry[] {
  const out: DemandEntry[] = [];
  const gangs = new Map<string, TaskRecord[]>();
  for (const task of state.pending.values()) {
    if (task.job.spec.group_by) {
      const list = gangs.get(task.job.name);
      if (list) list.push(task);
      else gangs.set(task.job.name, [task]);
    } else {
      out.push(entryFor(task.taskId, task, 1));
    }
  }
  for (const [job, tasks] of gangs) out.push(entryFor(`gang:${job}`, tasks[0]!, tasks.length));
  return out;
}

/** Registered workers as the autoscaler sees them, keyed by worker id (= the provider's VM id). */
export function workerSnapshot(state: ControllerState): WorkerSnapshot {
  const snapshot = new Map<string, { lastHeartbeatMs: number; runningTasks: number }>();
  for (const w of state.workers.values()) {
    snapshot.set(w.workerId, { lastHeartbeatMs: w.lastSeen, runningTasks: w.active.size });
  }
  return snapshot;
}
