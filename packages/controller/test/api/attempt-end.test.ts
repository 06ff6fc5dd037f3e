import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_ERROR_CODES, IrisApiError, IrisClient } from '@iris/core/api';
import { startController, type ControllerHandle } from '../../src/controller.js';
import { WORKER } from '../support/controller-fixture.js';
import { until } from '../support/until.js';

// POST /api/v1/workers/:worker_id/attempt-ends: an attempt's end straight from its supervisor. It is
// applied as the same report in a reconcile would be; anything else is refused and changes nothing.

let dir: string;
let handle: ControllerHandle;
let operator: IrisClient;

async function start(workerTimeoutMs = 60_000): Promise<void> {
  handle = await startController({ stateDir: dir, port: 0, limits: { maxWaitMs: 1_000, workerTimeoutMs } });
  operator = new IrisClient({ baseUrl: handle.url, token: handle.token });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iris-attempt-end-'));
});

afterEach(async () => {
  await handle?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Registers `workerId` with a join token and returns a client holding that worker's own credential. */
async function joinWorker(workerId: string): Promise<IrisClient> {
  const { token } = handle.credentials.mintJoinToken({ requestId: `r-${workerId}`, group: 'g', uses: 1, ttlMs: 60_000 });
  const res = await new IrisClient({ baseUrl: handle.url, token }).registerWorker({ worker_id: workerId, ...WORKER });
  return new IrisClient({ baseUrl: handle.url, token: res.worker_token! });
}

async function refusal(call: Promise<unknown>): Promise<IrisApiError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IrisApiError);
  return err as IrisApiError;
}

/** Submits a one-task job and has `workerId` start it; returns the running task's id. */
async function runningOn(worker: IrisClient, workerId: string, name: string): Promise<string> {
  await operator.submitJob({ name, command: ['true'], resources: { cpu: 1 } });
  handle.schedule();
  const work = await worker.reconcile(workerId, { attempts: [], wait_ms: 0 });
  const taskId = `${name}/0`;
  expect(work.start.map((s) => s.task_id)).toContain(taskId);
  await worker.reconcile(workerId, { attempts: [{ task_id: taskId, attempt: 0, state: 'RUNNING', started_at_ms: Date.now() }], wait_ms: 0 });
  return taskId;
}

describe('reportAttemptEnd', () => {
  it('applies a success once; a repeat, then the worker’s own report of it, change nothing', async () => {
    await start();
    const w1 = await joinWorker('w1');
    const taskId = await runningOn(w1, 'w1', '/end/ok');
    const finishedAt = Date.now();
    const end = { task_id: taskId, attempt: 0, state: 'SUCCEEDED' as const, exit_code: 0, finished_at_ms: finishedAt };

    expect(await w1.reportAttemptEnd('w1', end)).toEqual({ task_id: taskId, attempt: 0, attempt_state: 'SUCCEEDED', task_state: 'SUCCEEDED' });
    const after = await operator.getTask(taskId);
    expect(after).toMatchObject({ state: 'SUCCEEDED', attempt: 0 });
    const actions = (await operator.listActions()).items;
    expect(actions[0]).toMatchObject({ kind: 'supervisor_end', subject: taskId, message: expect.stringMatching(/attempt 0 on w1 ended SUCCEEDED/) });

    expect(await w1.reportAttemptEnd('w1', end)).toEqual({ task_id: taskId, attempt: 0, attempt_state: 'SUCCEEDED', task_state: 'SUCCEEDED' });
    // The worker comes back later with the same end in its reconcile: nothing to start, kill or change.
    const work = await w1.reconcile('w1', { attempts: [end], wait_ms: 0 });
    expect(work).toEqual({ start: [], kill: [] });
    expect(await operator.getTask(taskId)).toEqual(after);
    expect((await operator.listActions()).items).toEqual(actions);
    expect((await operator.getJob('/end/ok')).state).toBe('SUCCEEDED');
  });

  it('refuses the end of an attempt that is another worker’s, or that does not exist, and changes nothing', async () => {
    await start();
    const w1 = await joinWorker('w1');
    const w2 = await joinWorker('w2');
    const taskId = await runningOn(w1, 'w1', '/end/theirs');
    const end = { task_id: taskId, attempt: 0, state: 'SUCCEEDED' as const, exit_code: 0 };

    // w2's credential acting as w1.
    const impostor = await refusal(w2.reportAttemptEnd('w1', end));
    expect(impostor).toMatchObject({ status: 401, code: API_ERROR_CODES.unauthorized });
    expect(impostor.message).toMatch(/belongs to worker "w2", not "w1"/);
    // w2 as itself, for w1's attempt.
    const foreign = await refusal(w2.reportAttemptEnd('w2', end));
    expect(foreign).toMatchObject({ status: 403, code: API_ERROR_CODES.forbidden });
    expect(foreign.message).toMatch(/attempt 0 of task \/end\/theirs\/0 was assigned to worker w1, not to w2/);
    // No such attempt, no such task.
    const noAttempt = await refusal(w1.reportAttemptEnd('w1', { ...end, attempt: 7 }));
    expect(noAttempt).toMatchObject({ status: 404, code: API_ERROR_CODES.notFound });
    expect(noAttempt.message).toMatch(/has no attempt 7/);
    const noTask = await refusal(w1.reportAttemptEnd('w1', { ...end, task_id: '/end/nope/0' }));
    expect(noTask).toMatchObject({ status: 404, code: API_ERROR_CODES.notFound });
    expect(noTask.message).toMatch(/task \/end\/nope\/0 does not exist/);
    // Only ends: a running state is not one.
    const notEnd = await refusal(w1.call('reportAttemptEnd', { params: { worker_id: 'w1' }, body: { ...end, state: 'RUNNING' as 'SUCCEEDED' } }));
    expect(notEnd).toMatchObject({ status: 400, code: API_ERROR_CODES.invalidRequest });

    expect(await operator.getTask(taskId)).toMatchObject({ state: 'RUNNING', attempt: 0 });
  });

  it('applies a failure as the reconcile would (a retry), and nothing on a repeat', async () => {
    await start();
    const w1 = await joinWorker('w1');
    const taskId = await runningOn(w1, 'w1', '/end/fails');
    const end = { task_id: taskId, attempt: 0, state: 'FAILED' as const, exit_code: 3, error: 'exit code 3' };
    const first = await w1.reportAttemptEnd('w1', end);
    expect(first.attempt_state).toBe('FAILED');
    const task = await operator.getTask(taskId);
    expect(await w1.reportAttemptEnd('w1', end)).toEqual(first);
    expect(await operator.getTask(taskId)).toEqual(task);
  });

  it('takes a success from a worker already declared dead, and stops the retry', { timeout: 60_000 }, async () => {
    await start(3_000);
    const w1 = await joinWorker('w1');
    const taskId = await runningOn(w1, 'w1', '/end/late');
    // w1 goes silent: declared dead, its attempt given up and the task retried on w2.
    const w2 = await joinWorker('w2');
    const keepAlive = setInterval(() => void w2.reconcile('w2', { attempts: [], wait_ms: 0 }).catch(() => undefined), 200);
    try {
      await until('w1 to be declared dead', async () => ((await operator.listWorkers()).items.some((w) => w.worker_id === 'w1') ? undefined : true));
      await until('the retry on w2', async () => {
        handle.schedule();
        const t = await operator.getTask(taskId);
        return t.attempt === 1 && t.worker_id === 'w2' ? t : undefined;
      });
      const res = await w1.reportAttemptEnd('w1', { task_id: taskId, attempt: 0, state: 'SUCCEEDED', exit_code: 0 });
      expect(res).toEqual({ task_id: taskId, attempt: 0, attempt_state: 'SUCCEEDED', task_state: 'SUCCEEDED' });
      expect((await operator.getJob('/end/late')).state).toBe('SUCCEEDED');
      const attempts = (await operator.getTask(taskId)).attempts;
      expect(attempts.map((a) => [a.attempt, a.state])).toEqual([
        [0, 'SUCCEEDED'],
        [1, 'KILLED'],
      ]);
      // Nothing changes on a repeat.
      expect(await w1.reportAttemptEnd('w1', { task_id: taskId, attempt: 0, state: 'SUCCEEDED', exit_code: 0 })).toEqual(res);
    } finally {
      clearInterval(keepAlive);
    }
  });
});
