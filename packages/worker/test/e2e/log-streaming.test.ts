import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControllerProcess, startWorkers, waitFor, type WorkerProcess } from './cluster-processes.js';

let controller: ControllerProcess | undefined;
let workers: WorkerProcess[] = [];
afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  workers = [];
  await controller?.kill('SIGTERM');
  controller = undefined;
});

describe('logs of a running task', () => {
  it('stream to the logs API while the task still runs', { timeout: 60_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'iris-e2e-logs-'));
    const release = join(root, 'release');
    controller = await ControllerProcess.start(join(root, 'state'));
    workers = await startWorkers(controller, root, [{ id: 'l0' }]);
    const client = controller.client();
    // Prints a numbered line every 50 ms until released.
    const script = `i=0; while [ ! -e ${release} ]; do echo "tick $i"; i=$((i+1)); sleep 0.05; done; echo finished >&2`;
    await client.submitJob({ name: '/stream', command: ['sh', '-c', script] });

    const seen: string[] = [];
    let cursor = 0;
    await waitFor(
      'ten lines while the task runs',
      async () => {
        const res = await client.fetchLogs({ id: '/stream', cursor, wait_ms: 1_000 });
        cursor = res.cursor;
        seen.push(...res.lines.map((l) => l.line));
        return seen.length >= 10 ? true : undefined;
      },
      30_000,
      1,
    );
    // Still running: the lines were streamed, not collected at the end.
    expect((await client.getTask('/stream/0')).state).toBe('RUNNING');
    expect(seen.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `tick ${i}`));

    writeFileSync(release, '');
    await waitFor('the job to succeed', async () => ((await client.getJob('/stream')).state === 'SUCCEEDED' ? true : undefined));
    const rest = await client.fetchLogs({ id: '/stream', cursor });
    const all = [...seen, ...rest.lines.map((l) => l.line)];
    expect(all.at(-1)).toBe('finished');
    // No line lost or duplicated between the streamed part and the rest.
    const ticks = all.filter((l) => l.startsWith('tick '));
    expect(ticks).toEqual(ticks.map((_, i) => `tick ${i}`));
  });
});
