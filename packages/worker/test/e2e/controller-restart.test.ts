import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { URL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isTerminalJobState } from '@iris/core/api';
import { ControllerProcess, startWorkers, waitFor, type WorkerProcess } from './cluster-processes.js';

let controller: ControllerProcess | undefined;
let workers: WorkerProcess[] = [];
afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
  await controller?.kill('SIGTERM');
  controller = undefined;
});

interface Run {
  start: bigint;
  end?: bigint;
  attempt: string;
}

/** Per task, its runs from the shared marker file; fails on an end without a start. */
function runsByTask(file: string): Map<string, Run[]> {
  const runs = new Map<string, Run[]>();
  for (const line of readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')) {
    const [kind, task, attempt, ns] = line.split(' ') as [string, string, string, string];
    const list = runs.get(task) ?? [];
    runs.set(task, list);
    if (kind === 'start') list.push({ start: BigInt(ns), attempt });
    else {
      const open = list.find((r) => r.attempt === attempt && r.end === undefined);
      if (!open) throw new Error(`end without start: ${line}`);
      open.end = BigInt(ns);
    }
  }
  return runs;
}

describe('the controller killed with SIGKILL while jobs run', () => {
  it('restarts on the same state dir: every job finishes, none is lost, no task runs twice at once', { timeout: 180_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'iris-e2e-restart-'));
    const stateDir = join(root, 'state');
    const markers = join(root, 'markers.log');
    controller = await ControllerProcess.start(stateDir);
    const port = Number(new URL(controller.url).port);
    workers = await startWorkers(controller, root, [{ id: 'r0' }, { id: 'r1' }, { id: 'r2' }]);
    let client = controller.client();

    // Each run appends start and end markers (nanosecond clock) around a short sleep.
    const script = `echo "start $IRIS_TASK_ID $IRIS_ATTEMPT $(date +%s%N)" >> ${markers}; sleep 0.$((RANDOM % 5 + 3)) 2>/dev/null || sleep 0.5; echo "end $IRIS_TASK_ID $IRIS_ATTEMPT $(date +%s%N)" >> ${markers}`;
    const names: string[] = [];
    for (let i = 0; i < 40; i++) {
      const name = `/restart/job-${i}`;
      names.push(name);
      await client.submitJob({ name, command: ['bash', '-c', script], replicas: i % 4 === 0 ? 2 : 1 });
    }
    await waitFor('some tasks to run', async () => {
      const page = await client.listJobs({ prefix: '/restart/', limit: 100 });
      const running = page.items.filter((j) => j.task_counts.RUNNING > 0).length;
      return running >= 2 ? true : undefined;
    });

    await controller.kill('SIGKILL');
    controller = await ControllerProcess.start(stateDir, { port });
    client = controller.client();

    const finals = await waitFor(
      'every job to finish after the restart',
      async () => {
        const page = await client.listJobs({ prefix: '/restart/', limit: 100 });
        return page.items.length === names.length && page.items.every((j) => isTerminalJobState(j.state)) ? page.items : undefined;
      },
      150_000,
      200,
    );
    expect(finals.map((j) => j.state)).toEqual(names.map(() => 'SUCCEEDED'));

    const runs = runsByTask(markers);
    const expectedTasks = names.flatMap((n, i) => (i % 4 === 0 ? [`${n}/0`, `${n}/1`] : [`${n}/0`]));
    expect([...runs.keys()].sort()).toEqual(expectedTasks.sort());
    for (const [task, list] of runs) {
      expect(
        list.every((r) => r.end !== undefined),
        `${task} has a run that never ended`,
      ).toBe(true);
      const sorted = [...list].sort((a, b) => (a.start < b.start ? -1 : 1));
      for (let i = 1; i < sorted.length; i++) {
        expect(sorted[i]!.start > sorted[i - 1]!.end!, `${task} ran twice at once`).toBe(true);
      }
    }
    // No attempt was taken for lost: the workers kept running them through the outage.
    for (const name of names) {
      for (const t of (await client.listTasks(name)).items)
        expect({ task: t.task_id, preemptions: t.preemption_count }).toEqual({ task: t.task_id, preemptions: 0 });
    }
    // Workers stayed attached across the restart (they reconnected; none was declared dead).
    const listed = (await client.listWorkers()).items.map((w) => w.worker_id).sort();
    expect(listed).toEqual(['r0', 'r1', 'r2']);
  });
});
