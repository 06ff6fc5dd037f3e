import { LOG_STREAMS } from '../states.js';
import { nonNegInt, taskId } from './common.js';

const logLineProperties = {
  task_id: taskId,
  attempt: nonNegInt,
  stream: { enum: LOG_STREAMS },
  /** Milliseconds since the epoch, as the worker saw it. */
  ts: nonNegInt,
  line: { type: 'string', maxLength: 1_000_000 },
} as const;

export const logLineSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['task_id', 'attempt', 'stream', 'ts', 'line'],
  properties: logLineProperties,
} as const;

export const logPushRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['worker_id', 'lines'],
  properties: { worker_id: { type: 'string', minLength: 1, maxLength: 256 }, lines: { type: 'array', maxItems: 100000, items: logLineSchema } },
} as const;

export const logPushResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['accepted'],
  properties: { accepted: nonNegInt },
} as const;

export const storedLogLineSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['task_id', 'attempt', 'stream', 'ts', 'line', 'seq'],
  properties: {
    ...logLineProperties,
    /** Position in the controller's log; pass the last seen `seq` as `cursor` to continue. */
    seq: nonNegInt,
  },
} as const;

export const logFetchResponseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['lines', 'cursor'],
  properties: {
    lines: { type: 'array', items: storedLogLineSchema },
    /** Cursor for the next call (the last returned seq, or the given cursor when none). */
    cursor: nonNegInt,
  },
} as const;
