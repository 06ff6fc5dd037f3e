import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHelloPluginProject } from './plugin-project.js';
import { runIris } from './run-iris.js';

const require = createRequire(import.meta.url);
const versionOf = (name: string) => (require(`${name}/package.json`) as { version: string }).version;

interface ProviderEntry {
  type: string;
  aliases: string[];
  packageName: string;
  version: string;
  source: string;
  resolvedFrom?: string;
}

let project: { dir: string; clusterFile: string };
/** A folder with no provider package installed: only the built-ins are listed there. */
let empty: string;
beforeAll(async () => {
  project = await createHelloPluginProject();
  empty = await mkdtemp(join(tmpdir(), 'iris-cli-empty-'));
});
afterAll(async () => {
  await rm(project.dir, { recursive: true, force: true });
  await rm(empty, { recursive: true, force: true });
});

describe('iris providers', () => {
  it('lists the three built-in providers as JSON with their package versions', async () => {
    const run = await runIris(['providers', '--json'], { cwd: empty });
    expect(run.code).toBe(0);
    const entries = JSON.parse(run.stdout) as ProviderEntry[];
    expect(entries.map((e) => e.type).sort()).toEqual(['gcp', 'local', 'manual']);
    for (const entry of entries) {
      expect(entry.source).toBe('builtin');
      expect(entry.packageName).toBe(`@iris/provider-${entry.type}`);
      expect(entry.version).toBe(versionOf(entry.packageName));
    }
    expect(entries.find((e) => e.type === 'gcp')?.aliases).toContain('tpu');
  });

  it('prints a table with TYPE, ALIASES, PACKAGE, VERSION and SOURCE', async () => {
    const run = await runIris(['providers'], { cwd: empty });
    expect(run.code).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header?.split(/\s+/)).toEqual(['TYPE', 'ALIASES', 'PACKAGE', 'VERSION', 'SOURCE']);
    expect(rows).toHaveLength(3);
    expect(rows.find((row) => row.startsWith('gcp '))).toMatch(/tpu.*@iris\/provider-gcp.*builtin$/);
  });

  it('without -c, lists the provider packages installed in the project too', async () => {
    const run = await runIris(['providers', '--json'], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    const hello = (JSON.parse(run.stdout) as ProviderEntry[]).find((e) => e.type === 'hello');
    expect(hello).toMatchObject({ packageName: 'iris-provider-hello', version: '1.2.3', source: 'plugin' });
  });

  it('with -c, says which groups of the file use each provider (USED BY)', async () => {
    const run = await runIris(['providers', '-c', project.clusterFile], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header).toMatch(/SOURCE\s+USED BY$/);
    expect(rows.find((row) => row.startsWith('hello '))).toMatch(/greeters$/);
    expect(rows.find((row) => row.startsWith('local '))).toMatch(/controller$/);
    expect(rows.find((row) => row.startsWith('gcp '))).toMatch(/-$/);
  });

  it('adds the plugins a cluster file lists, with where each was resolved from', async () => {
    const run = await runIris(['providers', '-c', project.clusterFile, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const hello = (JSON.parse(run.stdout) as ProviderEntry[]).find((e) => e.type === 'hello');
    expect(hello).toMatchObject({ aliases: ['hi'], packageName: 'iris-provider-hello', version: '1.2.3', source: 'plugin' });
    expect(hello?.resolvedFrom).toContain('iris-provider-hello');
  });

  it('validates a cluster file whose groups use a third-party provider', async () => {
    const run = await runIris(['config', 'validate', project.clusterFile]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('valid (1 group: greeters (hello))');
  });
});
