import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '@iris/core';

/** The README section that starts at `## heading` and runs to the next `## ` heading. */
export function readmeSection(readme: string, heading: string): string | undefined {
  const start = readme.indexOf(`## ${heading}`);
  if (start < 0) return undefined;
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The keys a reference table documents: the first cell of each row, written as `key`. */
export function documentedKeys(section: string): string[] {
  return [...section.matchAll(/^\| `([a-z_][a-z0-9_]*)` \|/gm)].map((m) => m[1] as string);
}

function keysOf(schema: JsonSchema): string[] {
  return Object.keys((schema['properties'] as Record<string, unknown> | undefined) ?? {});
}

/**
 * Registers tests that keep a README's hand-written reference tables from drifting from the schemas:
 * each named section must document exactly the schema's keys, in order.
 */
export function describeReadmeTables(readmePath: string | URL, sections: Readonly<Record<string, JsonSchema | undefined>>): void {
  describe('README reference tables', () => {
    const readme = readFileSync(readmePath, 'utf8');
    for (const [heading, schema] of Object.entries(sections)) {
      if (!schema) continue;
      it(`"${heading}" documents exactly the schema's keys`, () => {
        const section = readmeSection(readme, heading);
        expect(section, `the README needs a "## ${heading}" section with a table row per schema key`).toBeDefined();
        expect(documentedKeys(section ?? ''), `the "${heading}" table must list the schema's keys, in order`).toEqual(keysOf(schema));
      });
    }
  });
}
