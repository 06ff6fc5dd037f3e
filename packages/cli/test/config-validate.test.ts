import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runIris } from './run-iris.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const FIXTURES_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));

describe('iris config validate, valid file', () => {
  it('exits 0 and names every group with its provider', async () => {
    const run = await runIris(['config', 'validate', 'mixed.yaml'], { cwd: FIXTURES_DIR });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('mixed.yaml: valid (3 groups: tpu_v5e_16 (gcp), lab_boxes (manual), local_cpu (local))\n');
  });

  it('prints the resolved config as JSON with the keys of the file', async () => {
    const run = await runIris(['config', 'validate', fixture('mixed.yaml'), '--json']);
    expect(run.code).toBe(0);
    const config = JSON.parse(run.stdout) as {
      name: string;
      scale_groups: Record<string, { provider: { type: string }; resources: { ram: number }; accelerator_variant: string }>;
    };
    expect(config.name).toBe('demo');
    expect(Object.keys(config.scale_groups)).toEqual(['tpu_v5e_16', 'lab_boxes', 'local_cpu']);
    expect(config.scale_groups['lab_boxes']?.provider.type).toBe('manual');
    // Sizes are resolved to bytes: the resolved form is itself a valid cluster file.
    expect(config.scale_groups['local_cpu']?.resources.ram).toBe(8 * 10 ** 9);
  });
});

describe('iris config validate, invalid file', () => {
  it('exits 2 and prints every error as file:line:col path: message', async () => {
    const run = await runIris(['config', 'validate', 'invalid.yaml'], { cwd: FIXTURES_DIR });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^invalid\.yaml:\d+:\d+ \S+: .+/);
    expect(run.stderr).toMatch(/^invalid\.yaml:4:\d+ scale_groups\.edge\.provider\.type: .*"aws".*gcp.*local.*manual/m);
    expect(run.stderr).toMatch(/^invalid\.yaml:9:\d+ scale_groups\.tpus\.provider.*project_id/m);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace without IRIS_DEBUG
  });

  it('prints {"errors": [...]} with --json and still exits 2', async () => {
    const run = await runIris(['config', 'validate', 'invalid.yaml', '--json'], { cwd: FIXTURES_DIR });
    expect(run.code).toBe(2);
    const { errors } = JSON.parse(run.stdout) as { errors: Record<string, unknown>[] };
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const error of errors) expect(Object.keys(error).sort()).toEqual(['column', 'file', 'line', 'message', 'path']);
    expect(errors).toContainEqual(expect.objectContaining({ file: 'invalid.yaml', line: 4, path: 'scale_groups.edge.provider.type' }));
  });

  it('says which file is missing and exits 2 without a stack trace', async () => {
    const run = await runIris(['config', 'validate', 'no-such-file.yaml'], { cwd: FIXTURES_DIR });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no-such-file.yaml');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('adds the stack trace with IRIS_DEBUG=1', async () => {
    const run = await runIris(['config', 'validate', 'no-such-file.yaml'], { cwd: FIXTURES_DIR, env: { IRIS_DEBUG: '1' } });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/\n\s+at /);
  });
});
