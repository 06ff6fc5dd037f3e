/**
 * The TypeScript type a JSON Schema written `as const` describes, for the subset of JSON Schema the
 * API's route table uses: type (string, integer, number, boolean, null, array, object), const,
 * enum, anyOf, properties + required, additionalProperties (false or a schema), items. Anything
 * else is `unknown`, so an unsupported keyword makes a type too loose, never wrongly narrow.
 */
export type FromSchema<S> = S extends { const: infer C }
  ? C
  : S extends { enum: readonly (infer E)[] }
    ? E
    : S extends { anyOf: readonly (infer A)[] }
      ? FromSchema<A>
      : S extends { type: 'string' }
        ? string
        : S extends { type: 'integer' | 'number' }
          ? number
          : S extends { type: 'boolean' }
            ? boolean
            : S extends { type: 'null' }
              ? null
              : S extends { type: 'array'; items: infer I }
                ? FromSchema<I>[]
                : S extends { type: 'object' }
                  ? ObjectOf<S>
                  : unknown;

type RequiredKeys<S> = S extends { required: readonly (infer R)[] } ? R : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type ObjectOf<S> = S extends { properties: infer P }
  ? Simplify<
      { -readonly [K in keyof P as K extends RequiredKeys<S> ? K : never]: FromSchema<P[K]> } & {
        -readonly [K in keyof P as K extends RequiredKeys<S> ? never : K]?: FromSchema<P[K]>;
      }
    >
  : S extends { additionalProperties: infer A }
    ? A extends false
      ? Record<string, never>
      : A extends true
        ? Record<string, unknown>
        : Record<string, FromSchema<A>>
    : Record<string, unknown>;

/** A JSON Schema as the route table holds it (checked by ajv at start-up, typed by FromSchema). */
export type JsonSchema = { readonly [key: string]: unknown };
