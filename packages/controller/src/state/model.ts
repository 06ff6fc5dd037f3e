import type { AttributeValue, JobSpec, JobState, TaskCounts, TaskState, WorkerAccelerator, WorkerResources } from '@iris/core/api';
import type { PendingTask } from '../scheduler/types.js';

/** A submitted job's immutable spec, with every default applied. Stored as JSON in `jobs.spec`. */
export type { JobSpec };

export interface JobRecord {
  name: string;
  /** Submission order; the queue order of its tasks. */
  seq: number;
  spec: JobSpec;
  state: JobState;
  submittedAt: number;
  finishedAt?: number | undefined;
  error?: string | undefined;
  counts: TaskCounts;
  tasks: TaskRecord[];
}

export interface TaskRecord {
  taskId: string;
  job: JobRecord;
  index: number;
  state: TaskState;
  /** Current attempt number; -1 before the first dispatch. */
  attempt: number;
  workerId?: string | undefined;
  failureCount: number;
  preemptionCount: number;
  exitCode?: number | undefined;
  error?: string | undefined;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
  pendingReason?: string | undefined;
  /** The scheduler's view of this task, built once; it points back here. */
  sched?: PendingTask & { record: TaskRecord };
}

export interface WorkerRecord {
  workerId: string;
  address: string;
  resources: WorkerResources;
  accelerators: WorkerAccelerator[];
  attributes: Record<string, AttributeValue>;
  registeredAt: number;
  lastSeen: number;
  /** Tasks whose current attempt runs (or is about to) on this worker. */
  active: Set<TaskRecord>;
  /** Kills not yet delivered; drained by the next reconcile. */
  kills: Map<string, { task_id: string; attempt: number; reason: string }>;
}

export function emptyCounts(): TaskCounts {
  return { PENDING: 0, ASSIGNED: 0, BUILDING: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, KILLED: 0, WORKER_FAILED: 0, UNSCHEDULABLE: 0 };
}

/** States in which a task's current attempt occupies a worker. */
export function isActiveTaskState(state: TaskState): boolean {
  return state === 'ASSIGNED' || state === 'BUILDING' || state === 'RUNNING';
}
