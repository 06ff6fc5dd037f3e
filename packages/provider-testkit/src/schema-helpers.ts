import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema } from '@iris/core';

/**
 * Compiles a provider schema alone, in ajv's strict mode, the way core first checks a contributed
 * schema; `useDefaults` mirrors core applying the `default` keywords.
 */
export function compileStrict(schema: JsonSchema): ValidateFunction {
  const ajv = new Ajv({ strict: true, allErrors: true, useDefaults: true });
  return ajv.compile(schema);
}

/** Validates a copy (defaults are written into it) and returns the result plus errors. */
export function check(validate: ValidateFunction, value: Record<string, unknown>): { ok: boolean; value: Record<string, unknown>; errors: ErrorObject[] } {
  const copy = structuredClone(value);
  const ok = validate(copy);
  return { ok, value: copy, errors: validate.errors ?? [] };
}

/** JSON-pointer paths of properties, at any depth, that lack a non-empty description. */
export function propertiesWithoutDescription(schema: unknown, path = ''): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const missing: string[] = [];
  const properties = node['properties'];
  if (typeof properties === 'object' && properties !== null) {
    for (const [key, child] of Object.entries(properties)) {
      const description = (child as { description?: unknown }).description;
      if (typeof description !== 'string' || description.trim() === '') missing.push(`${path}/${key}`);
      missing.push(...propertiesWithoutDescription(child, `${path}/${key}`));
    }
  }
  for (const key of ['items', 'additionalProperties'] as const) {
    missing.push(...propertiesWithoutDescription(node[key], `${path}/${key}`));
  }
  return missing;
}

/** The shape of one ajv error, for readable assertions. */
export function summarize(errors: readonly ErrorObject[]): string[] {
  return errors.map((e) => `${e.instancePath || '/'} ${e.keyword} ${JSON.stringify(e.params)}`);
}
