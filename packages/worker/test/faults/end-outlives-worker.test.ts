import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IrisClient } from '@iris/core/api';
import { waitFor, WorkerProcess } from '../e2e/cluster-processes.js';
import { lines, procState, useFaultProcesses } from './fault-processes.js';

// A task finished, then its worker froze or died before telling the controller. The attempt's
// supervisor reports the end itself, so the controller does not give up on the worker and run the
// task a second time elsewhere; the worker's own report, when it comes back, changes nothing.
// Real controller and worker processes; every wait polls a condition with a deadline of 30 s or more.

// Long enough that the supervisor's report (after a quarter of it) lands well before the controller could
// give the worker up, even on a loaded machine.
const WORKER_TIMEOUT_MS = 30_000;

const fault = useFaultProcesses('iris-fault-end-');

/** Two workers; a one-task job on w1 that waits for `go`, then appends its worker's id to `marker`. */
async function taskWaitingOnW1(root: string): Promise<{ client: IrisClient; w1: WorkerProcess; go: string; marker: string; ends: string }> {
  const client = (await fault.startController(join(root, 'state'), { workerTimeoutMs: WORKER_TIMEOUT_MS })).client();
  const [w1] = await fault.startWorkers(root, [{ id: 'w1' }]);
  const go = join(root, 'go');
  const marker = join(root, 'marker');
  await client.submitJob({
    name: '/once',
    command: ['sh', '-c', `while [ ! -e ${go} ]; do sleep 0.05; done; echo "$IRIS_WORKER_ID" >> ${marker}`],
    max_retries_preemption: 5,
  });
  await waitFor('the task to run on w1', async () => ((await client.getTask('/once/0')).state === 'RUNNING' ? true : undefined));
  // A second worker, where the controller would run the task again.
  await fault.startWorkers(root, [{ id: 'w2' }]);
  return { client, w1: w1!, go, marker, ends: join(root, 'w1', 'attempts') };
}

async function expectRanOnce(client: IrisClient, marker: string): Promise<void> {
  expect(lines(marker)).toEqual(['w1']);
  const task = await client.getTask('/once/0');
  expect(task).toMatchObject({ state: 'SUCCEEDED', attempt: 0 });
  expect(task.attempts.map((a) => [a.attempt, a.worker_id, a.state])).toEqual([[0, 'w1', 'SUCCEEDED']]);
  expect((await client.getJob('/once')).state).toBe('SUCCEEDED');
}

describe('the end of a finished task reaches the controller without its worker', () => {
  it('worker frozen (SIGSTOP) past the worker timeout: SUCCEEDED while it is stopped; nothing runs again when it resumes', { timeout: 240_000 }, async () => {
    const root = fault.tempRoot();
    const { client, w1, go, marker, ends } = await taskWaitingOnW1(root);
    const pid = w1.proc.pid!;
    process.kill(pid, 'SIGSTOP');
    writeFileSync(go, '');
    await waitFor(
      'the task to succeed while its worker is stopped',
      async () => ((await client.getTask('/once/0')).state === 'SUCCEEDED' ? true : undefined),
      90_000,
    );
    expect(procState(pid)).toBe('T');
    // Still stopped past the worker timeout: the controller gives w1 up, with nothing left to retry.
    await waitFor('w1 to be declared dead', async () => ((await client.listWorkers()).items.some((w) => w.worker_id === 'w1') ? undefined : true), 90_000);
    expect(procState(pid)).toBe('T');
    await expectRanOnce(client, marker);

    process.kill(pid, 'SIGCONT');
    // w1 comes back with the end it holds (registering again): the controller has it already.
    await waitFor('w1 to register again', async () => ((await client.listWorkers()).items.some((w) => w.worker_id === 'w1') ? true : undefined), 60_000);
    await waitFor("w1's own report to be acknowledged", () => (readdirSync(ends).length === 0 ? true : undefined), 60_000);
    await expectRanOnce(client, marker);
    expect(w1.proc.exitCode).toBeNull();
  });

  it(
    'worker SIGKILLed after the task ended, before it reported: SUCCEEDED without it; the restarted worker’s report changes nothing',
    { timeout: 240_000 },
    async () => {
      const root = fault.tempRoot();
      const { client, w1, go, marker, ends } = await taskWaitingOnW1(root);
      // Frozen first, so the task surely ends before the kill and the worker surely has not reported it.
      process.kill(w1.proc.pid!, 'SIGSTOP');
      writeFileSync(go, '');
      await waitFor('the supervisor to record the end', () => (readdirSync(ends).some((f) => f.endsWith('.exit')) ? true : undefined));
      await w1.kill('SIGKILL');
      await waitFor(
        'the task to succeed with its worker dead',
        async () => ((await client.getTask('/once/0')).state === 'SUCCEEDED' ? true : undefined),
        90_000,
      );
      await expectRanOnce(client, marker);

      // The worker restarts on its work dir, finds the recorded end and reports it: a no-op.
      fault.track(WorkerProcess.start({ controller: fault.controller, workDir: join(root, 'w1'), workerId: 'w1' }));
      await waitFor('the recorded end to be reported and removed', () => (readdirSync(ends).length === 0 ? true : undefined), 60_000);
      await expectRanOnce(client, marker);
    },
  );
});
