import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { CONSTRAINT_OPS, LOG_STREAMS, MAX_REPLICAS, REPORTABLE_ATTEMPT_STATES } from '@iris/core/api';

const nonNegInt = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const nonNeg = { type: 'number', minimum: 0, maximum: 1e18 } as const;
const shortString = { type: 'string', minLength: 1, maxLength: 512 } as const;
/** `/team/run`: absolute, segments of safe characters, no segment all digits (that would be a task index). */
const jobName = { type: 'string', maxLength: 512, pattern: '^(/(?![0-9]+(/|$))[A-Za-z0-9_.\\-]+)+$' } as const;
const taskId = { type: 'string', minLength: 2, maxLength: 600 } as const;
const attributeValue = { anyOf: [{ type: 'string', maxLength: 512 }, { type: 'number' }] } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string', maxLength: 65536 }, maxProperties: 1000 } as const;

export const jobSubmitSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'command'],
  properties: {
    name: jobName,
    command: { type: 'array', minItems: 1, maxItems: 10000, items: { type: 'string', maxLength: 65536 } },
    env: stringMap,
    resources: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cpu: nonNeg,
        memory_bytes: nonNegInt,
        disk_bytes: nonNegInt,
        accelerator: {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'count'],
          properties: { type: shortString, variant: shortString, count: nonNegInt },
        },
      },
    },
    replicas: { type: 'integer', minimum: 1, maximum: MAX_REPLICAS },
    max_retries_failure: nonNegInt,
    max_retries_preemption: nonNegInt,
    timeout_ms: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    scheduling_timeout_ms: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    constraints: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'op'],
        properties: { key: shortString, op: { enum: [...CONSTRAINT_OPS] }, value: attributeValue },
        // Every op but exists/not_exists compares against a value.
        if: { properties: { op: { enum: ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] } } },
        then: { required: ['value'] },
      },
    },
    group_by: shortString,
    bundle_id: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    parent: jobName,
    ports: { type: 'array', maxItems: 100, items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' } },
  },
} as const;

const attemptReport = {
  type: 'object',
  additionalProperties: false,
  required: ['task_id', 'attempt', 'state'],
  properties: {
    task_id: taskId,
    attempt: nonNegInt,
    state: { enum: [...REPORTABLE_ATTEMPT_STATES] },
    exit_code: { type: 'integer' },
    signal: { type: 'string', maxLength: 64 },
    error: { type: 'string', maxLength: 65536 },
  },
} as const;

export const workerRegisterSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['worker_id', 'address', 'resources', 'accelerators', 'attributes'],
  properties: {
    worker_id: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^\\s/]+$' },
    address: shortString,
    resources: {
      type: 'object',
      additionalProperties: false,
      required: ['cpu', 'memory_bytes', 'disk_bytes'],
      properties: { cpu: nonNeg, memory_bytes: nonNegInt, disk_bytes: nonNegInt },
    },
    accelerators: {
      type: 'array',
      maxItems: 16,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'variant', 'count'],
        properties: { type: shortString, variant: { type: 'string', maxLength: 512 }, count: nonNegInt },
      },
    },
    attributes: { type: 'object', additionalProperties: attributeValue, maxProperties: 1000 },
    attempts: { type: 'array', maxItems: 100000, items: attemptReport },
  },
} as const;

export const reconcileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['attempts'],
  properties: {
    attempts: { type: 'array', maxItems: 100000, items: attemptReport },
    wait_ms: { type: 'integer', minimum: 0, maximum: 600000 },
  },
} as const;

export const logPushSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['worker_id', 'lines'],
  properties: {
    worker_id: { type: 'string', minLength: 1, maxLength: 256 },
    lines: {
      type: 'array',
      maxItems: 100000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['task_id', 'attempt', 'stream', 'ts', 'line'],
        properties: {
          task_id: taskId,
          attempt: nonNegInt,
          stream: { enum: [...LOG_STREAMS] },
          ts: nonNegInt,
          line: { type: 'string', maxLength: 1_000_000 },
        },
      },
    },
  },
} as const;

export const emptySchema = { type: 'object', additionalProperties: false, properties: {} } as const;

const ajv = new Ajv({ allErrors: false, strict: false });

export const validators = {
  jobSubmit: ajv.compile(jobSubmitSchema),
  workerRegister: ajv.compile(workerRegisterSchema),
  reconcile: ajv.compile(reconcileSchema),
  logPush: ajv.compile(logPushSchema),
  empty: ajv.compile(emptySchema),
} satisfies Record<string, ValidateFunction>;

/** `body/resources/cpu must be >= 0` — the first error, with its JSON path. */
export function describeValidationError(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'invalid body';
  const where = `body${e.instancePath}`;
  if (e.keyword === 'additionalProperties') return `${where}: unknown field "${String(e.params['additionalProperty'])}"`;
  if (e.keyword === 'enum') return `${where} must be one of ${(e.params['allowedValues'] as unknown[]).join(', ')}`;
  return `${where} ${e.message ?? 'is invalid'}`;
}
