import type { JsonSchema } from '../plugin.js';

/**
 * A short YAML example of a value the schema accepts, for "add <field>: <example>" hints: the schema's own `examples`,
 * else the first backticked `e.g.` of its description, else a placeholder that names the kind of value.
 */
export function exampleValue(schema: JsonSchema | undefined, name: string, depth = 0): string {
  if (schema === undefined || depth > 3) return `<${name}>`;
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s['examples']) && s['examples'].length > 0) return inlineYaml(s['examples'][0]);
  if ('const' in s) return inlineYaml(s['const']);
  if (Array.isArray(s['enum']) && s['enum'].length > 0) return inlineYaml(s['enum'][0]);
  const ref = typeof s['$ref'] === 'string' ? s['$ref'] : '';
  if (ref.endsWith('/size')) return '64GB';
  if (ref.endsWith('/duration')) return '30s';
  const described = typeof s['description'] === 'string' ? /e\.g\. `([^`]+)`/.exec(s['description']) : null;
  switch (s['type']) {
    case 'array':
      return `[${exampleValue(s['items'] as JsonSchema | undefined, name.replace(/s$/, ''), depth + 1)}, …]`;
    case 'object': {
      const properties = (s['properties'] ?? {}) as Record<string, JsonSchema>;
      const required = Array.isArray(s['required']) ? (s['required'] as string[]) : [];
      return `{${required.map((key) => `${key}: ${exampleValue(properties[key], key, depth + 1)}`).join(', ')}}`;
    }
    case 'integer':
    case 'number':
      return described?.[1] ?? `<${name}>`;
    case 'boolean':
      return 'true';
    default:
      return described?.[1] ?? `<${name}>`;
  }
}

function inlineYaml(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
