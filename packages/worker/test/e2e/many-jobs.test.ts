import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isTerminalJobState, type IrisClient, type JobSubmitRequest, type JobView, type TaskView } from '@iris/core/api';
import { ControllerProcess, startWorkers, waitFor, type WorkerProcess } from './cluster-processes.js';

let controller: ControllerProcess | undefined;
let workers: WorkerProcess[] = [];
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail')
    for (const w of workers)
      console.error(
        w.workerId,
        w.stderr
          .join('')
          .split('\n')
          .filter((l) => !l.includes('"info"'))
          .join('\n'),
      );
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
  await controller?.kill('SIGTERM');
  controller = undefined;
});

async function allTasks(client: IrisClient, job: string): Promise<TaskView[]> {
  return (await client.listTasks(job, { limit: 1000 })).items;
}

describe('a controller and three worker processes', () => {
  it('run 200 jobs (replicas, failures with retries, a gang on one tpu-name) to the right final states', { timeout: 240_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'iris-e2e-many-'));
    const markers = join(root, 'markers');
    controller = await ControllerProcess.start(join(root, 'state'));
    workers = await startWorkers(controller, root, [
      { id: 'w0', attributes: ['tpu-name=slice-a', 'tpu-worker-id=0'] },
      { id: 'w1', attributes: ['tpu-name=slice-a', 'tpu-worker-id=1'] },
      { id: 'w2', attributes: ['tpu-name=slice-b', 'tpu-worker-id=0'] },
    ]);
    const client = controller.client();

    // Fails on a task's first attempt and succeeds on its retry (the marker survives the attempt).
    const flaky = `mkdir -p ${markers}; f=${markers}/$(echo "$IRIS_TASK_ID" | tr / _); if [ -e "$f" ]; then exit 0; fi; touch "$f"; exit 1`;
    const jobs: Array<{ req: JobSubmitRequest; expect: JobView['state'] }> = [];
    for (let i = 0; i < 140; i++) {
      jobs.push({ req: { name: `/e2e/ok-${i}`, command: ['sh', '-c', 'echo "task $IRIS_TASK_INDEX"'], replicas: i % 10 === 0 ? 3 : 1 }, expect: 'SUCCEEDED' });
    }
    for (let i = 0; i < 30; i++) {
      jobs.push({ req: { name: `/e2e/fail-${i}`, command: ['sh', '-c', 'echo bad >&2; exit 4'], max_retries_failure: 1 }, expect: 'FAILED' });
    }
    for (let i = 0; i < 29; i++) {
      jobs.push({ req: { name: `/e2e/flaky-${i}`, command: ['sh', '-c', flaky], max_retries_failure: 2, replicas: i % 5 === 0 ? 2 : 1 }, expect: 'SUCCEEDED' });
    }
    jobs.push({
      req: { name: '/e2e/gang', command: ['sh', '-c', 'echo "gang member $IRIS_TASK_INDEX"'], replicas: 2, group_by: 'tpu-name' },
      expect: 'SUCCEEDED',
    });
    expect(jobs).toHaveLength(200);

    for (const j of jobs) await client.submitJob(j.req);

    const finals = await waitFor(
      'all 200 jobs to finish',
      async () => {
        const page = await client.listJobs({ prefix: '/e2e/', limit: 500 });
        return page.items.length === 200 && page.items.every((j) => isTerminalJobState(j.state)) ? page.items : undefined;
      },
      200_000,
      250,
    );
    const byName = new Map(finals.map((j) => [j.name, j]));
    for (const j of jobs) expect({ name: j.req.name, state: byName.get(j.req.name)?.state }).toEqual({ name: j.req.name, state: j.expect });

    for (let i = 0; i < 30; i++) {
      const [task] = await allTasks(client, `/e2e/fail-${i}`);
      expect(task).toMatchObject({ state: 'FAILED', failure_count: 2, attempt: 1, exit_code: 4 });
    }
    for (let i = 0; i < 29; i++) {
      for (const task of await allTasks(client, `/e2e/flaky-${i}`)) expect(task).toMatchObject({ state: 'SUCCEEDED', failure_count: 1, attempt: 1 });
    }
    expect((await allTasks(client, '/e2e/ok-0')).map((t) => t.state)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const gang = await allTasks(client, '/e2e/gang');
    expect(gang.map((t) => t.worker_id).sort()).toEqual(['w0', 'w1']);
    const logs = await client.fetchLogs({ id: '/e2e/gang' });
    expect(logs.lines.map((l) => l.line).sort()).toEqual(['gang member 0', 'gang member 1']);
    // No attempt was ever taken for lost on a healthy worker (reports arrive in order).
    for (const j of jobs)
      for (const t of await allTasks(client, j.req.name))
        expect({ task: t.task_id, preemptions: t.preemption_count }).toEqual({ task: t.task_id, preemptions: 0 });
    // Work spread over all three workers.
    const used = new Set<string>();
    for (let i = 0; i < 140; i += 7) for (const t of await allTasks(client, `/e2e/ok-${i}`)) if (t.worker_id) used.add(t.worker_id);
    expect(used.size).toBe(3);
  });
});
