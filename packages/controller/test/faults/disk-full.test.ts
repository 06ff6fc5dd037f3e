import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES, IrisClient } from '@iris/core/api';
import { buildController } from '../support/child-controller.js';
import { WORKER } from '../support/controller-fixture.js';
import { startControllerProcess, stopProcess, type ControllerProcess } from './processes.js';

// A real full disk: a 4 MiB tmpfs holds the state dir. Needs root (mount); skipped elsewhere.
const root = mkdtempSync(join(tmpdir(), 'iris-fault-full-'));
const mounted = process.platform === 'linux' && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', root]).status === 0;
if (!mounted) console.warn('disk-full fault test skipped: cannot mount a small tmpfs here (needs root on Linux)');

const started: ControllerProcess[] = [];
beforeAll(() => buildController());
afterAll(async () => {
  for (const p of started) await stopProcess(p);
  if (mounted) spawnSync('umount', [root]);
  rmSync(root, { recursive: true, force: true });
});

/** Writes a filler file until the file system refuses more. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!mounted)('state dir on a full disk', () => {
  it('answers 503 naming the database, keeps memory equal to the database, and runs nothing twice after a restart', async () => {
    const stateDir = join(root, 'state');
    mkdirSync(stateDir);
    const first = startControllerProcess(stateDir);
    started.push(first);
    const url = await first.ready;
    const token = readFileSync(join(stateDir, 'token'), 'utf8').trim();
    const client = new IrisClient({ baseUrl: url, token });
    await client.registerWorker({ worker_id: 'fw', ...WORKER });
    await client.submitJob({ name: '/full/a', command: ['true'], resources: { cpu: 1 } });
    const work = await client.reconcile('fw', { attempts: [], wait_ms: 5_000 });
    expect(work.start.map((s) => s.task_id)).toEqual(['/full/a/0']);
    await client.reconcile('fw', { attempts: [{ task_id: '/full/a/0', attempt: 0, state: 'RUNNING' }], wait_ms: 0 });

    const filler = join(root, 'filler');
    fillDisk(filler);
    const refused = await client.reconcile('fw', { attempts: [{ task_id: '/full/a/0', attempt: 0, state: 'SUCCEEDED', exit_code: 0 }], wait_ms: 0 }).then(
      () => undefined,
      (err: unknown) => err as { status: number; code: string; message: string },
    );
    expect(refused?.status).toBe(503);
    expect(refused?.code).toBe(API_ERROR_CODES.unavailable);
    expect(refused?.message).toContain(join(stateDir, 'controller.db'));
    expect(refused?.message).toMatch(/disk is full/);
    // Memory was rebuilt from the database: the API does not claim what was never saved.
    expect((await client.getJob('/full/a')).state).toBe('RUNNING');
    const submitRefused = await client.submitJob({ name: '/full/b', command: ['true'] }).then(
      () => undefined,
      (err: unknown) => err as { status: number },
    );
    expect(submitRefused?.status).toBe(503);
    await expect(client.getJob('/full/b')).rejects.toMatchObject({ status: 404 });

    // Space back: the worker's next report lands, once.
    rmSync(filler);
    await client.reconcile('fw', { attempts: [{ task_id: '/full/a/0', attempt: 0, state: 'SUCCEEDED', exit_code: 0 }], wait_ms: 0 });
    expect((await client.getJob('/full/a')).state).toBe('SUCCEEDED');

    first.child.kill('SIGKILL');
    await first.exited;
    const second = startControllerProcess(stateDir);
    started.push(second);
    const again = new IrisClient({ baseUrl: await second.ready, token });
    expect((await again.getJob('/full/a')).state).toBe('SUCCEEDED');
    expect((await again.getJob('/full/a')).task_counts.SUCCEEDED).toBe(1);
  });
});
