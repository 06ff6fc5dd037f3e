/**
 * The JSON shapes of the controller's versioned HTTP API (`/api/v1/...`). Keys are snake_case,
 * like the cluster file, so a body can be read by a human or a shell script without translation.
 *
 * Endpoints (every path below is under `API_PREFIX`; names and ids in a path are one
 * `encodeURIComponent`-encoded segment, so `/team/run` travels as `%2Fteam%2Frun`):
 *   GET  /health (no prefix)                      → HealthResponse
 *   POST /jobs                  JobSubmitRequest  → JobSubmitResponse          (token)
 *   GET  /jobs?limit&cursor&prefix&state           → Page<JobView>
 *   GET  /jobs/{name}                              → JobView
 *   GET  /jobs/{name}/tasks?limit&cursor           → Page<TaskView>
 *   POST /jobs/{name}/kill                         → JobView                    (token)
 *   GET  /tasks/{task_id}                          → TaskDetailView
 *   POST /workers/register      WorkerRegisterRequest → WorkerRegisterResponse (token)
 *   GET  /workers?limit&cursor                     → Page<WorkerView>
 *   POST /workers/{worker_id}/reconcile ReconcileRequest → ReconcileResponse   (token, long-poll)
 *   POST /logs                  LogPushRequest    → LogPushResponse            (token)
 *   GET  /logs?id&cursor&limit&wait_ms             → LogFetchResponse           (token)
 *   PUT  /bundles/{sha256}      raw bytes         → BundleUploadResponse       (token)
 *   GET  /bundles/{sha256}                         → raw bytes                  (token)
 *   GET  /actions?limit                            → Page<ActionView>
 * Errors are `ApiErrorBody` with an HTTP status: 400 invalid, 401 no/wrong token, 404 unknown,
 * 409 conflict (e.g. a live job of that name), 413 body too large, 500 internal.
 */

export const API_VERSION = 'v1';
export const API_PREFIX = '/api/v1';
/** Header carrying the token: `Authorization: Bearer <token>`. */
export const AUTH_HEADER = 'authorization';

export const TASK_STATES = [
  'PENDING',
  'ASSIGNED',
  'BUILDING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'KILLED',
  'WORKER_FAILED',
  'UNSCHEDULABLE',
] as const;
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

export const MAX_REPLICAS = 10_000;
export const DEFAULT_MAX_RETRIES_FAILURE = 0;
export const DEFAULT_MAX_RETRIES_PREEMPTION = 100;

/** A worker attribute value; ordered comparisons (gt/ge/lt/le) need numbers on both sides. */
export type AttributeValue = string | number;

export interface Constraint {
  key: string;
  op: ConstraintOp;
  /** Required for every op except exists/not_exists. */
  value?: AttributeValue;
}

export interface AcceleratorRequest {
  /** `gpu` or `tpu` (any string a worker advertises). */
  type: string;
  /** e.g. `a100`, `v5litepod-16`; absent or `auto` matches any variant. */
  variant?: string;
  count: number;
}

export interface ResourceRequest {
  cpu: number;
  memory_bytes: number;
  disk_bytes: number;
  accelerator?: AcceleratorRequest;
}

export interface JobSubmitRequest {
  /** Hierarchical, absolute: `/team/run`. A child job's name starts with its parent's name. */
  name: string;
  /** argv; the first element is the program. */
  command: string[];
  env?: Record<string, string>;
  /** Missing fields are 0 (a job with no resources fits any worker). */
  resources?: Partial<ResourceRequest>;
  /** 1..MAX_REPLICAS; default 1. */
  replicas?: number;
  max_retries_failure?: number;
  max_retries_preemption?: number;
  /** Per task, per attempt; enforced by the worker. */
  timeout_ms?: number;
  /** Tasks still pending this long after submission become UNSCHEDULABLE. */
  scheduling_timeout_ms?: number;
  constraints?: Constraint[];
  /** Gang scheduling: all tasks placed at once on workers sharing this attribute's value. */
  group_by?: string;
  /** sha256 of a bundle uploaded with PUT /bundles/{sha256}. */
  bundle_id?: string;
  /** Name of the parent job; the job is cancelled when the parent ends unsuccessfully. */
  parent?: string;
  /** Named ports the worker allocates for each attempt (exposed as IRIS_PORT_<NAME>). */
  ports?: string[];
}

export type TaskCounts = Record<TaskState, number>;

/** A submitted job's spec with every default applied: what the controller stores and shows. */
export interface JobSpec {
  command: string[];
  env: Record<string, string>;
  resources: ResourceRequest;
  replicas: number;
  max_retries_failure: number;
  max_retries_preemption: number;
  timeout_ms?: number;
  scheduling_timeout_ms?: number;
  constraints: Constraint[];
  group_by?: string;
  bundle_id?: string;
  parent?: string;
  ports: string[];
}

export interface JobView extends JobSpec {
  name: string;
  state: JobState;
  task_counts: TaskCounts;
  submitted_at_ms: number;
  finished_at_ms?: number;
  /** Why the job ended unsuccessfully, when it did. */
  error?: string;
  /** Why its first pending task waits, when one does. */
  pending_reason?: string;
}

export interface JobSubmitResponse {
  job: JobView;
}

export interface TaskView {
  /** `<job name>/<index>`. */
  task_id: string;
  job: string;
  index: number;
  state: TaskState;
  /** Number of the current attempt; -1 before the first dispatch. */
  attempt: number;
  worker_id?: string;
  failure_count: number;
  preemption_count: number;
  exit_code?: number;
  error?: string;
  pending_reason?: string;
  started_at_ms?: number;
  finished_at_ms?: number;
}

export interface AttemptView {
  task_id: string;
  attempt: number;
  worker_id: string;
  state: TaskState;
  exit_code?: number;
  signal?: string;
  error?: string;
  created_at_ms: number;
  started_at_ms?: number;
  finished_at_ms?: number;
}

export interface TaskDetailView extends TaskView {
  attempts: AttemptView[];
}

export interface WorkerResources {
  cpu: number;
  memory_bytes: number;
  disk_bytes: number;
}

export interface WorkerAccelerator {
  type: string;
  variant: string;
  count: number;
}

export interface WorkerRegisterRequest {
  /** Stable identity; the VM address when the worker runs on an autoscaled VM. */
  worker_id: string;
  /** host:port or host the worker is reachable at (informational: the controller never dials it). */
  address: string;
  resources: WorkerResources;
  accelerators: WorkerAccelerator[];
  attributes: Record<string, AttributeValue>;
  /** Attempts the worker is still running (after a controller restart or a reconnect). */
  attempts?: AttemptReport[];
}

export interface WorkerRegisterResponse {
  worker_id: string;
  /** The worker is declared dead when it does not reconcile for this long. */
  worker_timeout_ms: number;
  /** The longest a reconcile call is held open by the controller. */
  reconcile_wait_ms: number;
}

export interface WorkerView {
  worker_id: string;
  address: string;
  resources: WorkerResources;
  accelerators: WorkerAccelerator[];
  attributes: Record<string, AttributeValue>;
  healthy: boolean;
  registered_at_ms: number;
  last_seen_ms: number;
  /** Attempts assigned to this worker and not yet terminal. */
  running_tasks: number;
  committed: { cpu: number; memory_bytes: number; disk_bytes: number; accelerator_count: number };
}

/** The state of one attempt as its worker sees it. */
export interface AttemptReport {
  task_id: string;
  attempt: number;
  state: ReportableAttemptState;
  exit_code?: number;
  signal?: string;
  error?: string;
}

export interface ReconcileRequest {
  attempts: AttemptReport[];
  /** How long the worker is willing to wait for work; capped by the controller. Default: the cap. */
  wait_ms?: number;
}

export interface AttemptStart {
  task_id: string;
  attempt: number;
  job: string;
  task_index: number;
  num_tasks: number;
  command: string[];
  env: Record<string, string>;
  bundle_id?: string;
  timeout_ms?: number;
  ports: string[];
  resources: ResourceRequest;
}

export interface AttemptKill {
  task_id: string;
  attempt: number;
  reason: string;
}

export interface ReconcileResponse {
  start: AttemptStart[];
  kill: AttemptKill[];
}

export const LOG_STREAMS = ['stdout', 'stderr', 'build', 'error'] as const;
export type LogStream = (typeof LOG_STREAMS)[number];

export interface LogLine {
  task_id: string;
  attempt: number;
  stream: LogStream;
  /** Milliseconds since the epoch, as the worker saw it. */
  ts: number;
  line: string;
}

export interface LogPushRequest {
  worker_id: string;
  lines: LogLine[];
}

export interface LogPushResponse {
  accepted: number;
}

export interface StoredLogLine extends LogLine {
  /** Position in the controller's log; pass the last seen `seq` as `cursor` to continue. */
  seq: number;
}

export interface LogFetchResponse {
  lines: StoredLogLine[];
  /** Cursor for the next call (the last returned seq, or the given cursor when none). */
  cursor: number;
}

export interface BundleUploadResponse {
  bundle_id: string;
  size_bytes: number;
}

export interface ActionView {
  seq: number;
  ts_ms: number;
  kind: string;
  subject: string;
  message: string;
}

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  next_cursor?: string;
}

export interface HealthResponse {
  status: 'ok';
  workers: number;
  jobs: number;
}

export interface ApiErrorBody {
  code: string;
  message: string;
}

/** Stable error codes of the API (the `code` of ApiErrorBody, and of IrisError in the client). */
export const API_ERROR_CODES = {
  invalidRequest: 'IRIS_API_INVALID_REQUEST',
  unauthorized: 'IRIS_API_UNAUTHORIZED',
  notFound: 'IRIS_API_NOT_FOUND',
  conflict: 'IRIS_API_CONFLICT',
  tooLarge: 'IRIS_API_TOO_LARGE',
  internal: 'IRIS_API_INTERNAL',
  /** 503: the controller cannot serve the call right now (starting, or its state dir refused a write). */
  unavailable: 'IRIS_API_UNAVAILABLE',
  /** Client side: the controller could not be reached or answered something that is not the API. */
  unreachable: 'IRIS_API_UNREACHABLE',
} as const;

/** `/team/run/3` → `{job: '/team/run', index: 3}`; undefined when the id is not a task id. */
export function parseTaskId(taskId: string): { job: string; index: number } | undefined {
  const slash = taskId.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const tail = taskId.slice(slash + 1);
  if (!/^(0|[1-9][0-9]*)$/.test(tail)) return undefined;
  return { job: taskId.slice(0, slash), index: Number(tail) };
}

export function taskIdOf(job: string, index: number): string {
  return `${job}/${index}`;
}
