import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IRIS_BIN, runIris } from './run-iris.js';

/** Polls until `probe` holds; a generous deadline, CI machines are busy. */
async function until(what: string, probe: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a controller started without a cluster file, asked about one', () => {
  let dir: string;
  let file: string;
  let serve: ChildProcess;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iris-no-autoscaler-'));
    const stateDir = join(dir, 'state');
    file = join(dir, 'cluster.yaml');
    await writeFile(
      file,
      `name: plain\ncontroller: { provider: { type: local }, state_dir: ${stateDir} }\nscale_groups:\n  cpu: { provider: { type: local }, accelerator_type: cpu, resources: { cpu: 2, ram: 2GB } }\n`,
    );
    serve = spawn(process.execPath, [IRIS_BIN, 'controller', 'serve', '--state-dir', stateDir], { env: { ...process.env, HOME: dir }, stdio: 'ignore' });
    await until('controller.json', () => existsSync(join(stateDir, 'controller.json')));
  }, 90_000);
  afterAll(async () => {
    if (serve.pid !== undefined && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await new Promise((r) => serve.once('exit', r));
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('iris status -c and iris autoscaler explain -c exit 0, show workers and jobs, and say to restart with -c FILE', async () => {
    const env = { HOME: dir };
    const status = await runIris(['status', '-c', file], { env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/workers: 0\s+jobs: none/);
    expect(status.stdout).toContain(`iris controller serve -c ${file}`);
    const explain = await runIris(['autoscaler', 'explain', '-c', file], { env });
    expect(explain.code, explain.stderr).toBe(0);
    expect(explain.stdout).toContain('0 worker(s), 0 job(s); no autoscaler');
    expect(explain.stdout).toContain(`iris start -c ${file}`);
  }, 120_000);
});
