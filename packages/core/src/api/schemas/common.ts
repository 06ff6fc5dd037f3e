/** Building blocks of the API's JSON Schemas (each `as const`, so FromSchema can type it). */

export const nonNegInt = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
export const anyInt = { type: 'integer' } as const;
export const nonNeg = { type: 'number', minimum: 0, maximum: 1e18 } as const;
/** Milliseconds since the epoch. */
export const epochMs = nonNegInt;
export const shortString = { type: 'string', minLength: 1, maxLength: 512 } as const;
export const text = { type: 'string' } as const;
/** `/team/run`: absolute, segments of safe characters, no segment all digits (that would be a task index). */
export const jobName = { type: 'string', maxLength: 512, pattern: '^(/(?![0-9]+(/|$))[A-Za-z0-9_.\\-]+)+$' } as const;
/** `<job name>/<index>`. */
export const taskId = { type: 'string', minLength: 2, maxLength: 600 } as const;
export const workerId = { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^\\s/]+$' } as const;
export const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
export const attributeValue = { anyOf: [{ type: 'string', maxLength: 512 }, { type: 'number' }] } as const;
export const stringMap = { type: 'object', additionalProperties: { type: 'string', maxLength: 65536 }, maxProperties: 1000 } as const;
export const emptyObject = { type: 'object', additionalProperties: false, properties: {} } as const;
/** An object whose shape belongs to another package (e.g. the controller's autoscaler status). */
export const openObject = { type: 'object' } as const;

/** `{type: object, required: keys, properties: {k: value for k in keys}}`, typed key by key. */
export function recordSchema<const K extends string, const V>(
  keys: readonly K[],
  value: V,
): { type: 'object'; additionalProperties: false; required: K[]; properties: { [k in K]: V } } {
  return {
    type: 'object',
    additionalProperties: false,
    required: [...keys],
    properties: Object.fromEntries(keys.map((k) => [k, value])) as { [k in K]: V },
  };
}

/** A page of items: `{items, next_cursor?}` (next_cursor absent on the last page). */
export function pageSchema<const I>(items: I) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['items'],
    properties: { items: { type: 'array', items }, next_cursor: { type: 'string' } },
  } as const;
}
