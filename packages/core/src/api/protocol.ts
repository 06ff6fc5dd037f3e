/**
 * The JSON shapes of the controller's versioned HTTP API. Every type here is derived from the JSON
 * Schema the route table (`routes.ts`) validates with, so the server, the client and the
 * dashboard cannot drift apart. Keys are snake_case like the cluster file; times are `*_ms`
 * (milliseconds since the epoch, or a duration in ms), sizes `*_bytes`.
 */
import type { FromSchema } from './from-schema.js';
import type {
  attemptViewSchema,
  jobSpecSchema,
  jobSubmitRequestSchema,
  jobSubmitResponseSchema,
  jobViewSchema,
  resourceRequestSchema,
  taskCountsSchema,
  taskDetailViewSchema,
  taskViewSchema,
} from './schemas/jobs.js';
import type { logFetchResponseSchema, logLineSchema, logPushRequestSchema, logPushResponseSchema, storedLogLineSchema } from './schemas/logs.js';
import type {
  actionViewSchema,
  apiErrorBodySchema,
  blobUploadResponseSchema,
  healthResponseSchema,
  jobTreePageSchema,
  jobTreeRowSchema,
  loginCodeResponseSchema,
  outputFileSchema,
  outputListResponseSchema,
  outputManifestRequestSchema,
  taskOutputSchema,
} from './schemas/misc.js';
import type {
  attemptEndRequestSchema,
  attemptEndResponseSchema,
  attemptKillSchema,
  attemptReportSchema,
  attemptStartSchema,
  reconcileRequestSchema,
  reconcileResponseSchema,
  workerRegisterRequestSchema,
  workerRegisterResponseSchema,
  workerViewSchema,
} from './schemas/workers.js';

export * from './states.js';

export const API_VERSION = 'v1';
export const API_PREFIX = '/api/v1';
/** Header carrying the token: `Authorization: Bearer <token>`. */
export const AUTH_HEADER = 'authorization';

export const DEFAULT_MAX_RETRIES_FAILURE = 0;
export const DEFAULT_MAX_RETRIES_PREEMPTION = 100;

/** A worker attribute value; ordered comparisons (gt/ge/lt/le) need numbers on both sides. */
export type AttributeValue = string | number;

export type ResourceRequest = FromSchema<typeof resourceRequestSchema>;
export type AcceleratorRequest = NonNullable<ResourceRequest['accelerator']>;
export type JobSubmitRequest = FromSchema<typeof jobSubmitRequestSchema>;
export type Constraint = NonNullable<JobSubmitRequest['constraints']>[number];
export type TaskCounts = FromSchema<typeof taskCountsSchema>;
export type JobSpec = FromSchema<typeof jobSpecSchema>;
export type JobView = FromSchema<typeof jobViewSchema>;
export type JobSubmitResponse = FromSchema<typeof jobSubmitResponseSchema>;
export type TaskView = FromSchema<typeof taskViewSchema>;
export type AttemptView = FromSchema<typeof attemptViewSchema>;
export type TaskDetailView = FromSchema<typeof taskDetailViewSchema>;

export type WorkerRegisterRequest = FromSchema<typeof workerRegisterRequestSchema>;
export type WorkerResources = WorkerRegisterRequest['resources'];
export type WorkerAccelerator = WorkerRegisterRequest['accelerators'][number];
export type WorkerRegisterResponse = FromSchema<typeof workerRegisterResponseSchema>;
export type WorkerView = FromSchema<typeof workerViewSchema>;
export type AttemptReport = FromSchema<typeof attemptReportSchema>;
export type ReconcileRequest = FromSchema<typeof reconcileRequestSchema>;
export type AttemptEndRequest = FromSchema<typeof attemptEndRequestSchema>;
export type AttemptEndResponse = FromSchema<typeof attemptEndResponseSchema>;
export type AttemptStart = FromSchema<typeof attemptStartSchema>;
export type AttemptKill = FromSchema<typeof attemptKillSchema>;
export type ReconcileResponse = FromSchema<typeof reconcileResponseSchema>;

export type LogLine = FromSchema<typeof logLineSchema>;
export type LogPushRequest = FromSchema<typeof logPushRequestSchema>;
export type LogPushResponse = FromSchema<typeof logPushResponseSchema>;
export type StoredLogLine = FromSchema<typeof storedLogLineSchema>;
export type LogFetchResponse = FromSchema<typeof logFetchResponseSchema>;

export type BundleUploadResponse = FromSchema<typeof blobUploadResponseSchema>;
export type ActionView = FromSchema<typeof actionViewSchema>;
export type HealthResponse = FromSchema<typeof healthResponseSchema>;
export type ApiErrorBody = FromSchema<typeof apiErrorBodySchema>;
export type LoginCodeResponse = FromSchema<typeof loginCodeResponseSchema>;
export type JobTreeRow = FromSchema<typeof jobTreeRowSchema>;
export type JobTreePage = FromSchema<typeof jobTreePageSchema>;
export type OutputFile = FromSchema<typeof outputFileSchema>;
export type OutputManifestRequest = FromSchema<typeof outputManifestRequestSchema>;
export type TaskOutput = FromSchema<typeof taskOutputSchema>;
export type OutputListResponse = FromSchema<typeof outputListResponseSchema>;

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  next_cursor?: string;
}

/** Stable error codes of the API (the `code` of ApiErrorBody, and of IrisError in the client). */
export const API_ERROR_CODES = {
  invalidRequest: 'IRIS_API_INVALID_REQUEST',
  unauthorized: 'IRIS_API_UNAUTHORIZED',
  forbidden: 'IRIS_API_FORBIDDEN',
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
