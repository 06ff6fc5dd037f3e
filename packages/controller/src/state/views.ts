import type { JobView, TaskView, WorkerView } from '@iris/core/api';
import type { JobRecord, TaskRecord, WorkerRecord } from './model.js';

/** What a view needs beyond the record: the time now (for running durations) and the hierarchy. */
export interface ViewContext {
  now: number;
  childCount(name: string): number;
}

/** When the job's first task started, if one did. */
export function jobStartedAt(job: JobRecord): number | undefined {
  let first: number | undefined;
  for (const t of job.tasks) if (t.startedAt !== undefined && (first === undefined || t.startedAt < first)) first = t.startedAt;
  return first;
}

export function jobView(job: JobRecord, ctx: ViewContext): JobView {
  // The view is the spec plus the job's live state, so a field added to JobSpec shows up here too.
  const view: JobView = {
    ...job.spec,
    name: job.name,
    state: job.state,
    task_counts: { ...job.counts },
    submitted_at_ms: job.submittedAt,
    children: ctx.childCount(job.name),
  };
  const started = jobStartedAt(job);
  if (started !== undefined) {
    view.started_at_ms = started;
    view.duration_ms = Math.max(0, (job.finishedAt ?? ctx.now) - started);
  }
  if (job.finishedAt !== undefined) view.finished_at_ms = job.finishedAt;
  if (job.error !== undefined) view.error = job.error;
  if (job.counts.PENDING > 0) {
    const reason = job.tasks.find((t) => t.state === 'PENDING' && t.pendingReason)?.pendingReason;
    if (reason) view.pending_reason = reason;
  }
  return view;
}

export function taskView(t: TaskRecord, now: number): TaskView {
  const view: TaskView = {
    task_id: t.taskId,
    job: t.job.name,
    index: t.index,
    state: t.state,
    attempt: t.attempt,
    failure_count: t.failureCount,
    preemption_count: t.preemptionCount,
  };
  if (t.workerId !== undefined) view.worker_id = t.workerId;
  if (t.exitCode !== undefined) view.exit_code = t.exitCode;
  if (t.error !== undefined) view.error = t.error;
  if (t.state === 'PENDING' && t.pendingReason !== undefined) view.pending_reason = t.pendingReason;
  if (t.startedAt !== undefined) {
    view.started_at_ms = t.startedAt;
    view.duration_ms = Math.max(0, (t.finishedAt ?? now) - t.startedAt);
  }
  if (t.finishedAt !== undefined) view.finished_at_ms = t.finishedAt;
  return view;
}

export function workerView(w: WorkerRecord): WorkerView {
  const committed = { cpu: 0, memory_bytes: 0, disk_bytes: 0, accelerator_count: 0 };
  for (const t of w.active) {
    const r = t.job.spec.resources;
    committed.cpu += r.cpu;
    committed.memory_bytes += r.memory_bytes;
    committed.disk_bytes += r.disk_bytes;
    committed.accelerator_count += r.accelerator?.count ?? 0;
  }
  return {
    worker_id: w.workerId,
    address: w.address,
    resources: w.resources,
    accelerators: w.accelerators,
    attributes: w.attributes,
    healthy: true,
    registered_at_ms: w.registeredAt,
    last_seen_ms: w.lastSeen,
    running_tasks: w.active.size,
    committed,
  };
}
