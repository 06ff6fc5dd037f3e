import { REPORTABLE_ATTEMPT_STATES, TASK_STATES } from '../states.js';
import { resourceRequestSchema } from './jobs.js';
import { anyInt, attributeValue, epochMs, jobName, nonNeg, nonNegInt, sha256, shortString, stringMap, taskId, workerId } from './common.js';

const workerResources = {
  type: 'object',
  additionalProperties: false,
  required: ['cpu', 'memory_bytes', 'disk_bytes'],
  properties: { cpu: nonNeg, memory_bytes: nonNegInt, disk_bytes: nonNegInt },
} as const;

const workerAccelerator = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'variant', 'count'],
  properties: { type: shortString, variant: { type: 'string', maxLength: 512 }, count: nonNegInt },
} as const;

const attributes = { type: 'object', additionalProperties: attributeValue, maxProperties: 1000 } as const;

/** The state of one attempt as its worker sees it. */
export const attemptReportSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['task_id', 'attempt', 'state'],
  properties: {
    task_id: taskId,
    attempt: nonNegInt,
    state: { enum: REPORTABLE_ATTEMPT_STATES },
    exit_code: anyInt,
    signal: { type: 'string', maxLength: 64 },
    error: { type: 'string', maxLength: 65536 },
    /** When the worker started the attempt's process (its own clock). */
    started_at_ms: epochMs,
    /** When the process ended. */
    finished_at_ms: epochMs,
  },
} as const;

/** Attempt states that end an attempt (what a supervisor reports on its own). */
const ATTEMPT_END_STATES = ['SUCCEEDED', 'FAILED', 'KILLED', 'WORKER_FAILED'] as const;

/**
 * An attempt's end, reported by the attempt's supervisor straight to the controller (it outlives a
 * frozen or killed worker); applied exactly as the same report in a reconcile, so a repeat is a no-op.
 */
export const attemptEndRequestSchema = {
  ...attemptReportSchema,
  properties: { ...attemptReportSchema.properties, state: { enum: ATTEMPT_END_STATES } },
} as const;

export const attemptEndResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['task_id', 'attempt', 'attempt_state', 'task_state'],
  properties: {
    task_id: taskId,
    attempt: nonNegInt,
    /** The attempt's state as recorded after the report (unchanged when it was already known). */
    attempt_state: { enum: TASK_STATES },
    task_state: { enum: TASK_STATES },
  },
} as const;

export const workerRegisterRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['worker_id', 'address', 'resources', 'accelerators', 'attributes'],
  properties: {
    /** Stable identity; the VM id when the worker runs on an autoscaled VM. */
    worker_id: workerId,
    /** host:port or host the worker is reachable at (informational: the controller never dials it). */
    address: shortString,
    resources: workerResources,
    accelerators: { type: 'array', maxItems: 16, items: workerAccelerator },
    attributes,
    /** Attempts the worker is still running (after a controller restart or a reconnect). */
    attempts: { type: 'array', maxItems: 100000, items: attemptReportSchema },
  },
} as const;

export const workerRegisterResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['worker_id', 'worker_timeout_ms', 'reconcile_wait_ms'],
  properties: {
    worker_id: workerId,
    /** The worker is declared dead when it does not reconcile for this long. */
    worker_timeout_ms: nonNegInt,
    /** The longest a reconcile call is held open by the controller. */
    reconcile_wait_ms: nonNegInt,
    /**
     * When the worker registered with a join token: its own credential, to send on every later
     * call instead of the spent join token. Never logged.
     */
    worker_token: { type: 'string', minLength: 1, maxLength: 512 },
  },
} as const;

export const workerViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['worker_id', 'address', 'resources', 'accelerators', 'attributes', 'healthy', 'registered_at_ms', 'last_seen_ms', 'running_tasks', 'committed'],
  properties: {
    worker_id: workerId,
    address: shortString,
    resources: workerResources,
    accelerators: { type: 'array', items: workerAccelerator },
    attributes,
    healthy: { type: 'boolean' },
    registered_at_ms: epochMs,
    last_seen_ms: epochMs,
    /** Attempts assigned to this worker and not yet terminal. */
    running_tasks: nonNegInt,
    committed: {
      type: 'object',
      additionalProperties: false,
      required: ['cpu', 'memory_bytes', 'disk_bytes', 'accelerator_count'],
      properties: { cpu: nonNeg, memory_bytes: nonNegInt, disk_bytes: nonNegInt, accelerator_count: nonNegInt },
    },
  },
} as const;

export const reconcileRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['attempts'],
  properties: {
    attempts: { type: 'array', maxItems: 100000, items: attemptReportSchema },
    /** How long the worker is willing to wait for work; capped by the controller. Default: the cap. */
    wait_ms: { type: 'integer', minimum: 0, maximum: 600000 },
  },
} as const;

export const attemptStartSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['task_id', 'attempt', 'job', 'task_index', 'num_tasks', 'command', 'env', 'ports', 'resources'],
  properties: {
    task_id: taskId,
    attempt: nonNegInt,
    job: jobName,
    task_index: nonNegInt,
    num_tasks: nonNegInt,
    command: { type: 'array', items: { type: 'string' } },
    env: stringMap,
    bundle_id: sha256,
    timeout_ms: nonNegInt,
    ports: { type: 'array', items: { type: 'string' } },
    resources: resourceRequestSchema,
    /** Credential of this attempt (IRIS_TASK_TOKEN): lets the task submit child jobs and read the API. */
    task_token: { type: 'string' },
  },
} as const;

export const attemptKillSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['task_id', 'attempt', 'reason'],
  properties: { task_id: taskId, attempt: nonNegInt, reason: { type: 'string' } },
} as const;

export const reconcileResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['start', 'kill'],
  properties: {
    start: { type: 'array', items: attemptStartSchema },
    kill: { type: 'array', items: attemptKillSchema },
  },
} as const;
