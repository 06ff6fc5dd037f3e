import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_JOIN_REFUSED_EXIT_CODE } from '@iris/core';
import { IrisClient } from '@iris/core/api';
import { startController, type ControllerHandle } from '@iris/controller';
import { waitFor, WORKER_MAIN } from './cluster-processes.js';

interface Joined {
  proc: ChildProcess;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** A real `iris worker` process as a provider starts it on a VM: the join token in its environment only. */
function startVmWorker(url: string, vmId: string, joinToken: string, workDir: string): Joined {
  const env: Record<string, string | undefined> = { ...process.env, IRIS_JOIN_TOKEN: joinToken, IRIS_VM_ADDRESS: vmId };
  delete env['IRIS_TOKEN'];
  const proc = spawn(process.execPath, [WORKER_MAIN, '--controller', url, '--work-dir', join(workDir, vmId), '--cpu', '1', '--memory', '1GB'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, stderr: () => err, exit };
}

/** Exit code within a generous bound (CI is slow); kills the process when it does not exit. */
async function exitCode(w: Joined, timeoutMs = 60_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const result = await Promise.race([w.exit, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    w.proc.kill('SIGKILL');
    throw new Error(`the worker did not exit within ${timeoutMs} ms; stderr:\n${w.stderr()}`);
  }
  return result;
}

describe('a VM joins with its slice’s join token and nothing else', () => {
  let dir: string;
  let handle: ControllerHandle;
  let operator: IrisClient;
  const workers: Joined[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iris-join-'));
    handle = await startController({ stateDir: join(dir, 'state'), port: 0, limits: { maxWaitMs: 1_000 } });
    operator = new IrisClient({ baseUrl: handle.url, token: handle.token });
  });

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exit));
    await handle.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(vmId: string, token: string): Joined {
    const w = startVmWorker(handle.url, vmId, token, dir);
    workers.push(w);
    return w;
  }

  it('registers under its VM id, trades the token for its own credential, and keeps reconciling with it', async () => {
    const { token } = handle.credentials.mintJoinToken({ requestId: 'req-ok', group: 'g', uses: 1, ttlMs: 10 * 60_000 });
    const w = start('vm-ok-0', token);
    await waitFor('vm-ok-0 to register', () => (handle.state.workers.has('vm-ok-0') ? true : undefined), 60_000);
    const first = handle.state.workers.get('vm-ok-0')!.lastSeen;
    // Reconciles after registration use the traded credential (the join token is spent).
    await waitFor('a reconcile after registration', () => (handle.state.workers.get('vm-ok-0')!.lastSeen > first ? true : undefined), 60_000);
    expect(w.proc.exitCode).toBeNull();
    expect(w.stderr()).not.toContain(token);
    // A second VM cannot use the single-use token again.
    const second = start('vm-ok-1', token);
    expect(await exitCode(second)).toBe(WORKER_JOIN_REFUSED_EXIT_CODE);
    expect(second.stderr()).toMatch(/refused this worker: join token refused: already used by 1 worker/);
  }, 120_000);

  it('exits 3 with the reason for a foreign token and for an expired one', async () => {
    const foreign = start('vm-foreign', 'ij_not-from-this-controller');
    expect(await exitCode(foreign)).toBe(WORKER_JOIN_REFUSED_EXIT_CODE);
    // Unknown everywhere: the controller cannot tell it from a wrong token, and says so.
    expect(foreign.stderr()).toMatch(/refused this worker: missing, wrong or revoked token/);

    const { token } = handle.credentials.mintJoinToken({ requestId: 'req-old', group: 'g', uses: 1, ttlMs: 1 });
    await new Promise((r) => setTimeout(r, 5));
    const late = start('vm-late', token);
    expect(await exitCode(late)).toBe(WORKER_JOIN_REFUSED_EXIT_CODE);
    expect(late.stderr()).toMatch(/join token refused: it expired/);
  }, 120_000);

  it('stops (exit 3) when the operator revokes its credential', async () => {
    const { token } = handle.credentials.mintJoinToken({ requestId: 'req-rev', group: 'g', uses: 1, ttlMs: 10 * 60_000 });
    const w = start('vm-rev-0', token);
    await waitFor('vm-rev-0 to register', () => (handle.state.workers.has('vm-rev-0') ? true : undefined), 60_000);
    const res = await fetch(`${handle.url}/api/v1/workers/vm-rev-0/revoke`, { method: 'POST', headers: { authorization: `Bearer ${handle.token}` } });
    expect(await res.json()).toEqual({ worker_id: 'vm-rev-0', revoked: 1 });
    expect(await exitCode(w)).toBe(WORKER_JOIN_REFUSED_EXIT_CODE);
    expect(w.stderr()).toMatch(/refused this worker/);
    expect((await operator.listWorkers()).items.map((x) => x.worker_id)).toContain('vm-rev-0');
  }, 120_000);
});
