import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@iris/core';
import { API_ERROR_CODES } from '@iris/core/api';
import { ControllerProcess, startWorkers, waitFor, type WorkerProcess } from './cluster-processes.js';

let controller: ControllerProcess | undefined;
let workers: WorkerProcess[] = [];
afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
  await controller?.kill('SIGTERM');
  controller = undefined;
});

// Short, so the dead worker is noticed in seconds.
const WORKER_TIMEOUT_MS = 3_000;

describe('a worker killed with SIGKILL mid-task', () => {
  it(
    'has its task retried on another worker within the preemption budget; a late success of the dead attempt counts and stops the retry',
    { timeout: WORKER_TIMEOUT_MS * 2 + 60_000 },
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'iris-e2e-loss-'));
      const release = join(root, 'release');
      controller = await ControllerProcess.start(join(root, 'state'), { workerTimeoutMs: WORKER_TIMEOUT_MS });
      const client = controller.client();
      const [doomed] = await startWorkers(controller, root, [{ id: 'doomed' }]);
      workers.push(doomed!);
      // Attempt 0 blocks forever; a retry waits for the test's release file, then succeeds.
      const script = `echo "attempt $IRIS_ATTEMPT on $IRIS_WORKER_ID"; if [ "$IRIS_ATTEMPT" = 0 ]; then exec sleep 600; fi; while [ ! -e ${release} ]; do sleep 0.05; done; echo done`;
      await client.submitJob({ name: '/loss', command: ['sh', '-c', script], max_retries_preemption: 3 });
      await waitFor('attempt 0 to run on the doomed worker', async () => {
        const t = await client.getTask('/loss/0');
        return t.state === 'RUNNING' && t.worker_id === 'doomed' ? t : undefined;
      });

      workers.push(...(await startWorkers(controller, root, [{ id: 'survivor' }])));
      // The task dies with its worker: its supervisor kills the task's process group.
      await doomed!.kill('SIGKILL');

      const retried = await waitFor(
        'the task to run again on the survivor',
        async () => {
          const t = await client.getTask('/loss/0');
          return t.state === 'RUNNING' && t.worker_id === 'survivor' ? t : undefined;
        },
        WORKER_TIMEOUT_MS + 30_000,
        100,
      );
      expect(retried).toMatchObject({ attempt: 1, preemption_count: 1, failure_count: 0 });
      expect(retried.attempts.find((a) => a.attempt === 0)).toMatchObject({ worker_id: 'doomed', state: 'WORKER_FAILED' });

      await waitFor('the retry to log its start', async () => ((await client.fetchLogs({ id: '/loss/0', attempt: 1 })).lines.length > 0 ? true : undefined));
      // The dead worker "comes back" with a success its task's supervisor had recorded before the
      // worker died: unknown workers are told to register; registered again, the success counts
      // (the work is done) and the retry is stopped instead of doing it a second time.
      const late = { task_id: '/loss/0', attempt: 0, state: 'SUCCEEDED' as const, exit_code: 0 };
      const err = await client.reconcile('doomed', { attempts: [late], wait_ms: 0 }).catch((e: unknown) => e);
      expect(hasErrorCode(err, API_ERROR_CODES.notFound)).toBe(true);
      await client.registerWorker({
        worker_id: 'doomed',
        address: '127.0.0.1',
        resources: { cpu: 0, memory_bytes: 0, disk_bytes: 0 },
        accelerators: [],
        attributes: {},
        attempts: [late],
      });
      const final = await waitFor('the job to succeed', async () => {
        const j = await client.getJob('/loss');
        return j.state === 'SUCCEEDED' ? j : undefined;
      });
      expect(final.task_counts.SUCCEEDED).toBe(1);
      const task = await client.getTask('/loss/0');
      expect(task.attempts.find((a) => a.attempt === 0)?.state).toBe('SUCCEEDED');
      expect(task.attempts.find((a) => a.attempt === 1)?.state).toBe('KILLED');
      const logs = (await client.fetchLogs({ id: '/loss/0' })).lines.map((l) => `${l.attempt}:${l.line}`);
      expect(logs).toEqual(['0:attempt 0 on doomed', '1:attempt 1 on survivor']);
    },
  );
});
