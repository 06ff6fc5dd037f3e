import { readdirSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runIris } from './run-iris.js';

const LEGACY = fileURLToPath(new URL('./fixtures/legacy-python.yaml', import.meta.url));
const MIXED = fileURLToPath(new URL('./fixtures/mixed.yaml', import.meta.url));
const LEGACY_EXAMPLES = join(REPO_ROOT, 'examples/legacy');
const legacyExamples = readdirSync(LEGACY_EXAMPLES).filter((name) => name.endsWith('.yaml'));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iris-cli-migrate-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('iris config migrate', () => {
  it('turns a legacy Python-layout file into a canonical one that validates, warning on stderr', async () => {
    const run = await runIris(['config', 'migrate', LEGACY]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: /);
    expect(run.stdout).not.toMatch(/^platform:/m);
    expect(run.stdout).not.toMatch(/vm_type:/);
    const migrated = join(dir, 'migrated.yaml');
    await writeFile(migrated, run.stdout);
    const validated = await runIris(['config', 'validate', migrated]);
    expect(validated.stderr).toBe(''); // canonical: no legacy-form warnings left
    expect(validated.code).toBe(0);
    expect(validated.stdout).toMatch(/valid \(2 groups: tpu_v5e_16 \(gcp\), manual_hosts \(manual\)\)/);
  });

  it('is stable: migrating the migrated text changes nothing', async () => {
    const first = await runIris(['config', 'migrate', LEGACY]);
    const migrated = join(dir, 'migrated.yaml');
    await writeFile(migrated, first.stdout);
    const second = await runIris(['config', 'migrate', migrated]);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toBe('');
  });

  it('rewrites the file in place with -w and keeps the original as FILE.bak', async () => {
    const file = join(dir, 'cluster.yaml');
    await copyFile(LEGACY, file);
    const printed = await runIris(['config', 'migrate', file]);
    const run = await runIris(['config', 'migrate', file, '-w']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(await readFile(file, 'utf8')).toBe(printed.stdout);
    expect(await readFile(`${file}.bak`, 'utf8')).toBe(await readFile(LEGACY, 'utf8'));
  });

  it('leaves an already canonical file untouched with -w', async () => {
    const file = join(dir, 'cluster.yaml');
    const canonical = (await runIris(['config', 'migrate', MIXED])).stdout;
    await writeFile(file, canonical);
    const run = await runIris(['config', 'migrate', file, '--write']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('already in the canonical form');
    expect(await readFile(file, 'utf8')).toBe(canonical);
    await expect(readFile(`${file}.bak`, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses to migrate an invalid file: exit 2, errors listed, file untouched, no backup', async () => {
    const file = join(dir, 'cluster.yaml');
    await copyFile(fileURLToPath(new URL('./fixtures/invalid.yaml', import.meta.url)), file);
    const before = await readFile(file, 'utf8');
    const run = await runIris(['config', 'migrate', file, '-w']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cluster\.yaml:4:\d+ scale_groups\.edge\.provider\.type: /);
    expect(await readFile(file, 'utf8')).toBe(before);
    await expect(readFile(`${file}.bak`, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('exits 2 and names the file when it cannot be read', async () => {
    const run = await runIris(['config', 'migrate', join(dir, 'missing.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot read the cluster file');
    expect(run.stderr).toContain('missing.yaml');
  });
});

describe('iris config migrate on the legacy examples', () => {
  it('has legacy examples to migrate', () => {
    expect(legacyExamples.length).toBeGreaterThan(0);
  });

  it.each(legacyExamples)('examples/legacy/%s migrates to a warning-free file that validates, stably', async (name) => {
    const first = await runIris(['config', 'migrate', join(LEGACY_EXAMPLES, name)]);
    expect(first.code).toBe(0);
    const migrated = join(dir, name);
    await writeFile(migrated, first.stdout);
    const validated = await runIris(['config', 'validate', migrated], { env: { IRIS_CONTROLLER_ADDRESS: '10.0.0.10:10000' } });
    expect(validated).toMatchObject({ code: 0, stderr: '' });
    const second = await runIris(['config', 'migrate', migrated]);
    expect(second.stdout).toBe(first.stdout);
  });
});
