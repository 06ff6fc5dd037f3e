import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runIris } from './run-iris.js';

describe('README', () => {
  it('shows a cluster file that validates', async () => {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    const snippet = /## Cluster files[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet).toBeDefined();
    const dir = await mkdtemp(join(tmpdir(), 'iris-cli-readme-'));
    try {
      const file = join(dir, 'cluster.yaml');
      await writeFile(file, snippet ?? '');
      const run = await runIris(['config', 'validate', file]);
      expect(run).toMatchObject({ code: 0, stderr: '' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts with a first command that works: iris config validate examples/mixed.yaml', async () => {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npx iris config validate examples/mixed.yaml');
    const run = await runIris(['config', 'validate', 'examples/mixed.yaml'], { env: { IRIS_CONTROLLER_ADDRESS: '10.0.0.10:10000' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^examples\/mixed\.yaml: valid \(\d+ groups: /);
  });
});
