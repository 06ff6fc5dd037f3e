import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createHelloPluginProject } from './plugin-project.js';
import { REPO_ROOT, runIris } from './run-iris.js';

const EXAMPLES_DIR = join(REPO_ROOT, 'examples');

function compile(schema: object) {
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

let project: { dir: string; clusterFile: string };
let schemaText: string;
beforeAll(async () => {
  project = await createHelloPluginProject();
  const run = await runIris(['schema']);
  expect(run.code).toBe(0);
  schemaText = run.stdout;
});
afterAll(async () => {
  await rm(project.dir, { recursive: true, force: true });
});

describe('iris schema', () => {
  it('prints a draft-07 schema that ajv compiles', () => {
    const schema = JSON.parse(schemaText) as { $schema?: string };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(() => compile(schema)).not.toThrow();
  });

  it('accepts every example cluster file', async () => {
    const validate = compile(JSON.parse(schemaText) as object);
    const examples = (await readdir(EXAMPLES_DIR)).filter((name) => name.endsWith('.yaml'));
    expect(examples.length).toBeGreaterThan(0);
    for (const name of examples) {
      const document = parse(await readFile(join(EXAMPLES_DIR, name), 'utf8')) as unknown;
      expect({ name, ok: validate(document), errors: validate.errors ?? null }).toEqual({ name, ok: true, errors: null });
    }
  });

  it('matches the committed examples/iris.schema.json (regenerate with `iris schema -o examples/iris.schema.json`)', async () => {
    expect(await readFile(join(EXAMPLES_DIR, 'iris.schema.json'), 'utf8')).toBe(schemaText);
  });

  it('accepts a provider alias as the type, as the loader does (tpu for gcp), without the alias being legacy', () => {
    const validate = compile(JSON.parse(schemaText) as object);
    const document = parse(
      'scale_groups:\n  g:\n    provider: { type: tpu, project_id: my-project, zones: [europe-west4-b] }\n    accelerator_type: tpu\n    accelerator_variant: v5litepod-16\n    resources: { cpu: 1, ram: 1GB }\n',
    ) as unknown;
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects a group whose provider block has an unknown key', () => {
    const validate = compile(JSON.parse(schemaText) as object);
    const document = parse(
      'scale_groups:\n  g:\n    provider: { type: local, colour: red }\n    accelerator_type: cpu\n    resources: { cpu: 1, ram: 1GB }\n',
    ) as unknown;
    expect(validate(document)).toBe(false);
  });

  it('includes the schema of a plugin the cluster file lists, and writes to -o OUT', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'iris-cli-schema-')), 'schema.json');
    try {
      const run = await runIris(['schema', '-c', project.clusterFile, '-o', out]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('wrote');
      const withPlugin = await readFile(out, 'utf8');
      expect(withPlugin).toContain('"hello"');
      expect(schemaText).not.toContain('"hello"');
      const validate = compile(JSON.parse(withPlugin) as object);
      expect(validate(parse(await readFile(project.clusterFile, 'utf8')))).toBe(true);
    } finally {
      await rm(join(out, '..'), { recursive: true, force: true });
    }
  });

  it('exits 1 with a hint when -o points into a missing folder', async () => {
    const run = await runIris(['schema', '-o', join(project.dir, 'no/such/dir/schema.json')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot write the schema');
  });
});
