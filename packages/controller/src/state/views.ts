import type { JobView, TaskView, WorkerView } from '@iris/core';
import type { JobRecord, TaskRecord, WorkerRecord } from './model.js';

export function jobView(job: JobRecord): JobView {
  const s = job.spec;
  const view: JobView = {
    name: job.name,
    state: job.state,
    command: s.command,
    env: s.env,
    resources: s.resources,
    replicas: s.replicas,
    max_retries_failure: s.max_retries_failure,
    max_retries_preemption: s.max_retries_preemption,
    constraints: s.constraints,
    ports: s.ports,
    task_counts: { ...job.counts },
    submitted_at_ms: job.submittedAt,
  };
  if (s.parent !== undefined) view.parent = s.parent;
  if (s.timeout_ms !== undefined) view.timeout_ms = s.timeout_ms;
  if (s.scheduling_timeout_ms !== undefined) view.scheduling_timeout_ms = s.scheduling_timeout_ms;
  if (s.group_by !== undefined) view.group_by = s.group_by;
  if (s.bundle_id !== undefined) view.bundle_id = s.bundle_id;
  if (job.finishedAt !== undefined) view.finished_at_ms = job.finishedAt;
  if (job.error !== undefined) view.error = job.error;
  if (job.counts.PENDING > 0) {
    const reason = job.tasks.find((t) => t.state === 'PENDING' && t.pendingReason)?.pendingReason;
    if (reason) view.pending_reason = reason;
  }
  return view;
}

export function taskView(t: TaskRecord): TaskView {
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
  if (t.startedAt !== undefined) view.started_at_ms = t.startedAt;
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
