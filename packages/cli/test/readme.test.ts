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

  it('starts with a first command that works: npx iris start brings up the built-in local cluster', async () => {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock.split('\n')[0]).toMatch(/^npm ci && npx iris start\b/);
    // --detach so the test gets its prompt back; a private HOME so it cannot touch a real cluster.
    const home = await mkdtemp(join(tmpdir(), 'iris-cli-readme-home-'));
    try {
      const start = await runIris(['start', '--detach'], { env: { HOME: home } });
      expect(start.code, start.stderr).toBe(0);
      expect(start.stdout).toMatch(/cluster "local": controller at http:\/\/127\.0\.0\.1:\d+/);
      const status = await runIris(['status', '--json'], { env: { HOME: home } });
      expect(JSON.parse(status.stdout)).toMatchObject({ cluster: 'local', controller: { running: true } });
    } finally {
      const stop = await runIris(['stop'], { env: { HOME: home } });
      expect(stop.code, stop.stderr).toBe(0);
      await rm(home, { recursive: true, force: true });
    }
  });

  it('points at a mixed cluster file that validates', async () => {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npx iris config validate examples/mixed.yaml');
    const run = await runIris(['config', 'validate', 'examples/mixed.yaml'], { env: { IRIS_CONTROLLER_ADDRESS: '10.0.0.10:10000' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^examples\/mixed\.yaml: valid \(\d+ groups: /);
  });
});
