import type { AttributeValue, Constraint, ResourceRequest } from '@iris/core/api';

/** A task waiting to be placed, in queue order. */
export interface PendingTask {
  taskId: string;
  /** Tasks of one job share a key; a gang is the pending tasks of one job with `groupBy`. */
  jobKey: string;
  resources: ResourceRequest;
  constraints: readonly Constraint[];
  /** Gang scheduling attribute (all of the job's pending tasks placed at once). */
  groupBy?: string | undefined;
}

/** A worker's free capacity for this pass. */
export interface WorkerCapacity {
  workerId: string;
  freeCpu: number;
  freeMemoryBytes: number;
  freeDiskBytes: number;
  /** Accelerator the worker carries, if any. */
  acceleratorType?: string | undefined;
  acceleratorVariant?: string | undefined;
  freeAcceleratorCount: number;
  attributes: Readonly<Record<string, AttributeValue>>;
  /** How many more tasks may start on it in this pass (per-worker cap minus tasks already starting). */
  startSlots: number;
}

export interface Assignment {
  taskId: string;
  workerId: string;
}

export interface ScheduleResult {
  assignments: Assignment[];
  /**
   * The tasks left waiting, grouped by why: one reason per shape (or gang), shared by every task
   * of it, so a pass over a million unplaceable tasks allocates nothing per task.
   */
  waiting: WaitingGroup[];
  /** The same as a map from task id (built on first access; for tests and small callers). */
  readonly pendingReasons: Map<string, string>;
}

export interface WaitingGroup {
  reason: string;
  tasks: readonly PendingTask[];
}
