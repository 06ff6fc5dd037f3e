/** The enumerations of the API (task, job and attempt states, constraint ops, log streams). */

export const TASK_STATES = ['PENDING', 'ASSIGNED', 'BUILDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'KILLED', 'WORKER_FAILED', 'UNSCHEDULABLE'] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const TERMINAL_TASK_STATES: readonly TaskState[] = ['SUCCEEDED', 'FAILED', 'KILLED', 'WORKER_FAILED', 'UNSCHEDULABLE'];

export function isTerminalTaskState(state: TaskState): boolean {
  return TERMINAL_TASK_STATES.includes(state);
}

/** A job's state is derived from its tasks' states; it never is ASSIGNED or BUILDING. */
export const JOB_STATES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'KILLED', 'WORKER_FAILED', 'UNSCHEDULABLE'] as const;
export type JobState = (typeof JOB_STATES)[number];

export function isTerminalJobState(state: JobState): boolean {
  return state !== 'PENDING' && state !== 'RUNNING';
}

/** Attempt states a worker may report. PENDING/ASSIGNED/UNSCHEDULABLE are controller-only. */
export const REPORTABLE_ATTEMPT_STATES = ['BUILDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'KILLED', 'WORKER_FAILED'] as const;
export type ReportableAttemptState = (typeof REPORTABLE_ATTEMPT_STATES)[number];

export const CONSTRAINT_OPS = ['eq', 'ne', 'exists', 'not_exists', 'gt', 'ge', 'lt', 'le'] as const;
export type ConstraintOp = (typeof CONSTRAINT_OPS)[number];

export const LOG_STREAMS = ['stdout', 'stderr', 'build', 'error'] as const;
export type LogStream = (typeof LOG_STREAMS)[number];

export const MAX_REPLICAS = 10_000;
