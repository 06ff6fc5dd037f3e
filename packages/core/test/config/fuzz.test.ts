import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatConfigIssue, loadClusterText } from '../../src/config/index.js';
import { runPipeline } from '../../src/config/load-cluster.js';
import { YamlSource } from '../../src/config/yaml-source.js';
import { LOAD } from '../helpers/test-providers.js';

const BASES = ['canonical.yaml', 'seed-000.yaml', 'python-eu-west4.yaml'].map((name) => ({
  name,
  text: readFileSync(new URL(`../fixtures/clusters/${name}`, import.meta.url), 'utf8'),
}));

// Values that stress every stage: YAML syntax, types, units, prototype keys, anchors, tags.
const HOSTILE = [
  '',
  '-1',
  'abc',
  '5 minutes',
  '1e400',
  'null',
  '~',
  '[1, 2]',
  '{a: 1}',
  '__proto__',
  'constructor',
  '*nope',
  '&a x',
  '!!binary aGk=',
  '${X}',
  '0x10',
  '.inf',
  'yes',
  '"unterminated',
  '{',
  ']',
  ': :',
  '- - -',
  '64GiB',
  '1h30m',
  'tpu',
  'aws',
  'local',
  '{type: hello}',
  '{type: gcp}',
  '2147483648',
  '0.5',
  '!!set {a}',
  '<<: *x',
];
const SYNTAX = [':', '-', '{', '}', '[', ']', '#', '\n', '\t', "'", '"', '&', '*', '!', '|', '>', '%', '@', '`', ' ', ',', '?'];

type Mutation = (text: string) => string;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ at: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }).map(({ at, len }) => (t: string) => {
    const i = at % (t.length + 1);
    return t.slice(0, i) + t.slice(i + len);
  }),
  fc.record({ at: fc.nat(), ch: fc.constantFrom(...SYNTAX) }).map(({ at, ch }) => (t: string) => {
    const i = at % (t.length + 1);
    return t.slice(0, i) + ch + t.slice(i);
  }),
  fc.record({ line: fc.nat(), value: fc.constantFrom(...HOSTILE) }).map(({ line, value }) => (t: string) => {
    const lines = t.split('\n');
    const i = line % lines.length;
    lines[i] = (lines[i] ?? '').replace(/:\s+.*$/, `: ${value}`);
    return lines.join('\n');
  }),
  fc.record({ a: fc.nat(), b: fc.nat() }).map(({ a, b }) => (t: string) => {
    const lines = t.split('\n');
    const i = a % lines.length;
    const j = b % lines.length;
    [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
    return lines.join('\n');
  }),
  fc.record({ line: fc.nat(), indent: fc.integer({ min: -4, max: 4 }) }).map(({ line, indent }) => (t: string) => {
    const lines = t.split('\n');
    const i = line % lines.length;
    const l = lines[i] ?? '';
    lines[i] = indent >= 0 ? ' '.repeat(indent) + l : l.slice(Math.min(-indent, l.length - l.trimStart().length));
    return lines.join('\n');
  }),
  fc.nat().map((line) => (t: string) => {
    const lines = t.split('\n');
    const i = line % lines.length;
    lines.splice(i, 0, lines[i] ?? '');
    return lines.join('\n');
  }),
);

describe('the loader under thousands of mutated cluster files', () => {
  it('never throws anything but ConfigError, and every error has a path and a line', async () => {
    let rejected = 0;
    let loaded = 0;
    let lenient = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: BASES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (base, mutations) => {
        const text = mutations.reduce((t, m) => m(t), (BASES[base] as { text: string }).text);
        try {
          const result = await loadClusterText(text, 'fuzz.yaml', LOAD);
          expect(Object.isFrozen(result.config)).toBe(true);
          // The fast path (js-yaml data) and the positioned path (yaml Document) agree whenever
          // both parse the file; js-yaml is more lenient about some indentation, which yaml calls
          // a syntax error, and that is the only disagreement allowed.
          const positioned = await runPipeline(new YamlSource('fuzz.yaml', text), LOAD, true).catch((e: unknown) => e);
          if (positioned instanceof ConfigError) {
            const notSyntax = positioned.issues.filter((i) => i.severity === 'error' && !i.message.startsWith('YAML syntax error'));
            if (notSyntax.length > 0) throw new Error(`only the fast path accepted:\n${text}`, { cause: positioned });
            lenient++;
          } else if (positioned instanceof Error) {
            throw positioned;
          } else {
            expect((positioned as { config: unknown }).config).toEqual(result.config);
          }
          loaded++;
        } catch (err) {
          if (!(err instanceof ConfigError)) throw new Error(`non-ConfigError for input:\n${text}`, { cause: err });
          const errors = err.issues.filter((i) => i.severity === 'error');
          expect(errors.length).toBeGreaterThan(0);
          for (const issue of errors) {
            expect(issue.path.length).toBeGreaterThan(0);
            expect(issue.line).toBeGreaterThanOrEqual(1);
            expect(issue.column).toBeGreaterThanOrEqual(1);
            expect(issue.message.length).toBeGreaterThan(0);
            expect(formatConfigIssue(issue)).toMatch(/^fuzz\.yaml:\d+:\d+ \S/);
          }
          rejected++;
        }
      }),
      { seed: 20_261_123, numRuns: 2000 },
    );
    // Both outcomes are exercised, so the property is not vacuous.
    expect(loaded).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
    expect(lenient).toBeLessThan(loaded / 10);
  }, 120_000);
});
