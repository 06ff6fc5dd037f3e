import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '@iris/core';
import { localControllerSchema, localProviderSchema } from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The table rows of one README section ("## Group block…" up to the next "## "). */
function section(heading: string): string {
  const start = readme.indexOf(`## ${heading}`);
  expect(start, `README section "${heading}"`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

function keysOf(schema: JsonSchema): string[] {
  return Object.keys(schema['properties'] as Record<string, unknown>);
}

// The README's reference tables are written by hand; this keeps them from drifting from the schema.
describe('README reference tables', () => {
  it('document exactly the keys of the group schema', () => {
    const rows = [...section('Group block').matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(rows).toEqual(keysOf(localProviderSchema));
  });

  it('document exactly the keys of the controller schema', () => {
    const rows = [...section('Controller block').matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(rows).toEqual(keysOf(localControllerSchema));
  });
});
