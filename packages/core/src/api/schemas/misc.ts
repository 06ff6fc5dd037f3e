import { JOB_STATES, TASK_STATES } from '../states.js';
import { epochMs, jobName, nonNegInt, recordSchema, sha256, taskId, text } from './common.js';
import { taskCountsSchema } from './jobs.js';

export const healthResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'workers', 'jobs'],
  properties: { status: { const: 'ok' }, workers: nonNegInt, jobs: nonNegInt },
} as const;

export const apiErrorBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'message'],
  properties: { code: { type: 'string' }, message: { type: 'string' } },
} as const;

export const blobUploadResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['bundle_id', 'size_bytes'],
  properties: { bundle_id: sha256, size_bytes: nonNegInt },
} as const;

export const actionViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['seq', 'ts_ms', 'kind', 'subject', 'message'],
  properties: { seq: nonNegInt, ts_ms: epochMs, kind: text, subject: text, message: text },
} as const;

export const loginCodeResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'expires_at_ms', 'path'],
  properties: { code: text, expires_at_ms: epochMs, path: text },
} as const;

export const terminateAllResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['slices', 'orphans'],
  properties: { slices: nonNegInt, orphans: nonNegInt },
} as const;

/** One row of the jobs view: a job at its depth in the parent/child tree. */
export const jobTreeRowSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'state', 'depth', 'children', 'matched', 'replicas', 'task_counts', 'submitted_at_ms'],
  properties: {
    name: jobName,
    state: { enum: JOB_STATES },
    parent: jobName,
    depth: nonNegInt,
    /** Direct children (all of them, whether or not the filter shows them). */
    children: nonNegInt,
    /** False for an ancestor shown only to place a matching child. */
    matched: { type: 'boolean' },
    replicas: nonNegInt,
    task_counts: taskCountsSchema,
    submitted_at_ms: epochMs,
    started_at_ms: epochMs,
    finished_at_ms: epochMs,
    duration_ms: nonNegInt,
    error: text,
    pending_reason: text,
  },
} as const;

export const jobTreePageSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['total', 'offset', 'limit', 'counts', 'task_counts', 'items'],
  properties: {
    /** Rows of the whole filtered tree (the page is `items`). */
    total: nonNegInt,
    offset: nonNegInt,
    limit: nonNegInt,
    /** Jobs per state over every job, filter or not. */
    counts: recordSchema(JOB_STATES, nonNegInt),
    /** Tasks per state over every job. */
    task_counts: recordSchema(TASK_STATES, nonNegInt),
    items: { type: 'array', items: jobTreeRowSchema },
  },
} as const;

/** One file a task wrote under $IRIS_OUTPUT_DIR, as uploaded by its worker. */
export const outputFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'sha256', 'size_bytes'],
  properties: {
    /** Relative to the output folder, `/`-separated, no `..`. */
    path: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^(?!/)(?!.*(^|/)\\.\\.?(/|$)).+$' },
    sha256,
    size_bytes: nonNegInt,
  },
} as const;

export const outputManifestRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['attempt', 'files'],
  properties: { attempt: nonNegInt, files: { type: 'array', maxItems: 100000, items: outputFileSchema } },
} as const;

export const outputManifestResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['files', 'size_bytes'],
  properties: { files: nonNegInt, size_bytes: nonNegInt },
} as const;

export const taskOutputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['task_id', 'attempt', 'path', 'sha256', 'size_bytes'],
  properties: { task_id: taskId, attempt: nonNegInt, path: outputFileSchema.properties.path, sha256, size_bytes: nonNegInt },
} as const;

export const outputListResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['items', 'size_bytes'],
  properties: { items: { type: 'array', items: taskOutputSchema }, size_bytes: nonNegInt },
} as const;

/** A dashboard session as listed (never its secret). */
export const sessionInfoSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'created_at_ms', 'expires_at_ms', 'last_used_ms'],
  properties: {
    /** Public id, shown and used to revoke (`iris dashboard sessions --revoke ID`). */
    id: text,
    created_at_ms: epochMs,
    expires_at_ms: epochMs,
    last_used_ms: epochMs,
    /** The browser that signed in, as it named itself (trimmed); informational only. */
    user_agent: text,
  },
} as const;
