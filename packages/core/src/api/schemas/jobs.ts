import { CONSTRAINT_OPS, JOB_STATES, MAX_REPLICAS, TASK_STATES } from '../states.js';
import { attributeValue, epochMs, jobName, nonNeg, nonNegInt, recordSchema, sha256, shortString, stringMap, taskId, workerId, anyInt, text } from './common.js';

const constraint = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'op'],
  properties: { key: shortString, op: { enum: CONSTRAINT_OPS }, value: attributeValue },
  // Every op but exists/not_exists compares against a value.
  if: { properties: { op: { enum: ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] } } },
  then: { required: ['value'] },
} as const;

const accelerator = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'count'],
  properties: {
    /** `gpu` or `tpu` (any string a worker advertises). */
    type: shortString,
    /** e.g. `a100`, `v5litepod-16`; absent or `auto` matches any variant. */
    variant: shortString,
    count: nonNegInt,
  },
} as const;

export const resourceRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['cpu', 'memory_bytes', 'disk_bytes'],
  properties: { cpu: nonNeg, memory_bytes: nonNegInt, disk_bytes: nonNegInt, accelerator },
} as const;

const commandSchema = { type: 'array', minItems: 1, maxItems: 10000, items: { type: 'string', maxLength: 65536 } } as const;
const portsSchema = { type: 'array', maxItems: 100, items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' } } as const;
const positiveMs = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;

export const jobSubmitRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'command'],
  properties: {
    name: jobName,
    command: commandSchema,
    env: stringMap,
    /** Missing fields are 0 (a job with no resources fits any worker). */
    resources: { ...resourceRequestSchema, required: [] },
    replicas: { type: 'integer', minimum: 1, maximum: MAX_REPLICAS },
    max_retries_failure: nonNegInt,
    max_retries_preemption: nonNegInt,
    timeout_ms: positiveMs,
    scheduling_timeout_ms: positiveMs,
    constraints: { type: 'array', maxItems: 100, items: constraint },
    group_by: shortString,
    bundle_id: sha256,
    /** The parent job: killing it kills this job; the job is cancelled when the parent ends unsuccessfully. */
    parent: jobName,
    ports: portsSchema,
  },
} as const;

const jobSpecProperties = {
  command: commandSchema,
  env: stringMap,
  resources: resourceRequestSchema,
  replicas: { type: 'integer', minimum: 1, maximum: MAX_REPLICAS },
  max_retries_failure: nonNegInt,
  max_retries_preemption: nonNegInt,
  timeout_ms: positiveMs,
  scheduling_timeout_ms: positiveMs,
  constraints: { type: 'array', items: constraint },
  group_by: shortString,
  bundle_id: sha256,
  parent: jobName,
  ports: portsSchema,
} as const;
const jobSpecRequired = ['command', 'env', 'resources', 'replicas', 'max_retries_failure', 'max_retries_preemption', 'constraints', 'ports'] as const;

/** A submitted job's spec with every default applied: what the controller stores and shows. */
export const jobSpecSchema = {
  type: 'object',
  additionalProperties: false,
  required: jobSpecRequired,
  properties: jobSpecProperties,
} as const;

export const taskCountsSchema = recordSchema(TASK_STATES, nonNegInt);

export const jobViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: [...jobSpecRequired, 'name', 'state', 'task_counts', 'submitted_at_ms', 'children'],
  properties: {
    ...jobSpecProperties,
    name: jobName,
    state: { enum: JOB_STATES },
    task_counts: taskCountsSchema,
    submitted_at_ms: epochMs,
    /** When the first task started running. */
    started_at_ms: epochMs,
    finished_at_ms: epochMs,
    /** From the first start to the end (or to now while running); absent before any task started. */
    duration_ms: nonNegInt,
    /** Number of direct child jobs. */
    children: nonNegInt,
    /** Why the job ended unsuccessfully, when it did. */
    error: text,
    /** Why its first pending task waits, when one does. */
    pending_reason: text,
  },
} as const;

export const jobSubmitResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['job'],
  properties: { job: jobViewSchema },
} as const;

const taskViewProperties = {
  task_id: taskId,
  job: jobName,
  index: nonNegInt,
  state: { enum: TASK_STATES },
  /** Number of the current attempt; -1 before the first dispatch. */
  attempt: { type: 'integer', minimum: -1 },
  worker_id: workerId,
  failure_count: nonNegInt,
  preemption_count: nonNegInt,
  exit_code: anyInt,
  error: text,
  pending_reason: text,
  /** When the current attempt's process started (as its worker reported). */
  started_at_ms: epochMs,
  finished_at_ms: epochMs,
  /** From start to finish (or to now while running). */
  duration_ms: nonNegInt,
} as const;
const taskViewRequired = ['task_id', 'job', 'index', 'state', 'attempt', 'failure_count', 'preemption_count'] as const;

export const taskViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: taskViewRequired,
  properties: taskViewProperties,
} as const;

export const attemptViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['task_id', 'attempt', 'worker_id', 'state', 'created_at_ms'],
  properties: {
    task_id: taskId,
    attempt: nonNegInt,
    worker_id: workerId,
    state: { enum: TASK_STATES },
    exit_code: anyInt,
    signal: text,
    error: text,
    /** When the controller assigned the attempt to its worker. */
    created_at_ms: epochMs,
    /** When the process actually started, as the worker reported it. */
    started_at_ms: epochMs,
    finished_at_ms: epochMs,
    duration_ms: nonNegInt,
  },
} as const;

export const taskDetailViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: [...taskViewRequired, 'attempts'],
  properties: { ...taskViewProperties, attempts: { type: 'array', items: attemptViewSchema } },
} as const;
