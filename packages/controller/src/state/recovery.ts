import { isTerminalJobState, taskIdOf, type TaskState } from '@iris/core/api';
import { parseJobSpec, type StateStore } from '../store/state-store.js';
import type { ControllerState } from './controller-state.js';
import { emptyCounts, isActiveTaskState, type JobRecord, type TaskRecord } from './model.js';

/**
 * Fills `state` from the database. Workers get a fresh `lastSeen` so those still alive have a full
 * worker timeout to reconcile again; their attempts continue where they were. Returns the tasks
 * whose active attempt sits on a worker the database no longer has (the caller retries them).
 */
export function loadState(state: ControllerState, store: StateStore, nowMs: number): TaskRecord[] {
  for (const row of store.loadJobs()) {
    const job: JobRecord = {
      name: row.name,
      seq: row.seq,
      spec: parseJobSpec(row.spec),
      state: row.state as JobRecord['state'],
      submittedAt: row.submitted_at,
      finishedAt: row.finished_at ?? undefined,
      error: row.error ?? undefined,
      counts: emptyCounts(),
      tasks: [],
    };
    state.jobs.set(job.name, job);
  }
  for (const row of store.loadWorkers()) {
    state.workers.set(row.worker_id, {
      workerId: row.worker_id,
      address: row.address,
      resources: JSON.parse(row.resources),
      accelerators: JSON.parse(row.accelerators),
      attributes: JSON.parse(row.attributes),
      registeredAt: row.registered_at,
      lastSeen: nowMs,
      active: new Set(),
      kills: new Map(),
    });
  }
  const orphans: TaskRecord[] = [];
  for (const row of store.touchedTasks()) {
    const job = state.jobs.get(row.job);
    if (!job) continue;
    const t: TaskRecord = {
      taskId: row.task_id,
      job,
      index: row.idx,
      state: row.state as TaskState,
      attempt: row.attempt,
      workerId: row.worker_id ?? undefined,
      failureCount: row.failure_count,
      preemptionCount: row.preemption_count,
      exitCode: row.exit_code ?? undefined,
      error: row.error ?? undefined,
      startedAt: row.started_at ?? undefined,
      finishedAt: row.finished_at ?? undefined,
    };
    job.tasks[t.index] = t;
    if (isActiveTaskState(t.state)) {
      const w = t.workerId === undefined ? undefined : state.workers.get(t.workerId);
      if (w) w.active.add(t);
      else orphans.push(t);
    }
  }
  // Untouched tasks are not read back: they are PENDING with no attempt, exactly as submitted.
  // Queue order is submission order, then task index.
  for (const job of state.jobs.values()) {
    const live = !isTerminalJobState(job.state);
    for (let i = 0; i < job.spec.replicas; i++) {
      let t = job.tasks[i];
      if (!t) {
        t = { taskId: taskIdOf(job.name, i), job, index: i, state: 'PENDING', attempt: -1, failureCount: 0, preemptionCount: 0 };
        job.tasks[i] = t;
      }
      job.counts[t.state]++;
      state.tasks.set(t.taskId, t);
      if (live && t.state === 'PENDING') state.pending.set(t.taskId, t);
    }
  }
  return orphans;
}
