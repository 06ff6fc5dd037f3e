import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PLATFORM = fileURLToPath(new URL('../dist/platform.js', import.meta.url));
const CORE = fileURLToPath(new URL('../../core/dist/index.js', import.meta.url));

// Runs in a child with an empty HOME and no GOOGLE_* variables, as on a laptop that never ran
// `gcloud auth application-default login`: the generated clients would throw from a callback there.
const SCRIPT = `
const { gcpPlatformFactory } = await import(${JSON.stringify(PLATFORM)});
const { SystemClock, silentLogger } = await import(${JSON.stringify(CORE)});
const platform = await gcpPlatformFactory.create(
  { type: 'gcp', project_id: 'my-project', zones: ['europe-west4-b'], network: 'default', queued_resource: false, labels: {} },
  { clusterName: 'x', bootstrap: { worker_port: 1, cache_dir: '/x', env: {} }, timeouts: { boot: 1000, init: 1000, ssh_poll_interval: 1000 },
    ssh: { user: 'root', port: 22, connect_timeout: 1000 }, clock: new SystemClock(), logger: silentLogger, stateDir: '/tmp' });
try {
  await platform.listInstanceTypes();
  console.log(JSON.stringify({ ok: true }));
} catch (err) {
  console.log(JSON.stringify({ code: err.code, kind: err.kind, message: err.message }));
}
await platform.close();
`;

describe('the gcp platform on a machine without Google credentials', () => {
  it('fails a call with an auth ProviderError that says how to log in, and the process lives on', () => {
    const home = mkdtempSync(join(tmpdir(), 'iris-no-creds-'));
    try {
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.status, run.stderr).toBe(0);
      const answer = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { code?: string; kind?: string; message?: string };
      expect(answer).toMatchObject({ code: 'IRIS_PROVIDER_ERROR', kind: 'auth' });
      expect(answer.message).toContain('gcloud auth application-default login');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
