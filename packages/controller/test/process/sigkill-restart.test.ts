import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IrisClient } from '@iris/core/api';
import { buildController, spawnController, waitForExit, type ChildController } from '../support/child-controller.js';
import { WORKER } from '../support/controller-fixture.js';

let dir: string;
const children: ChildController[] = [];
beforeAll(() => {
  buildController();
  dir = mkdtempSync(join(tmpdir(), 'iris-kill-'));
});
afterAll(async () => {
  for (const c of children) {
    c.child.kill('SIGKILL');
    await waitForExit(c.child);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('controller killed with SIGKILL', () => {
  it('restarts from its database: nothing lost, nothing started twice', async () => {
    const first = await spawnController(dir);
    children.push(first);
    const token = readFileSync(join(dir, 'token'), 'utf8').trim();
    const client = new IrisClient({ baseUrl: first.url, token });
    await client.registerWorker({ worker_id: 'kw', ...WORKER, resources: { ...WORKER.resources, cpu: 1 } });
    await client.submitJob({ name: '/k/running', command: ['sleep', '100'], resources: { cpu: 1 } });
    await client.submitJob({ name: '/k/waiting', command: ['true'], replicas: 3, resources: { cpu: 1 } });
    const work = await client.reconcile('kw', { attempts: [], wait_ms: 5_000 });
    expect(work.start.map((s) => s.task_id)).toEqual(['/k/running/0']);
    await client.reconcile('kw', { attempts: [{ task_id: '/k/running/0', attempt: 0, state: 'RUNNING' }], wait_ms: 0 });

    first.child.kill('SIGKILL');
    await waitForExit(first.child);

    const t0 = performance.now();
    const second = await spawnController(dir);
    children.push(second);
    const restartMs = performance.now() - t0;
    expect(readFileSync(join(dir, 'token'), 'utf8').trim()).toBe(token);
    expect(JSON.parse(readFileSync(join(dir, 'controller.json'), 'utf8')).url).toBe(second.url);
    const again = new IrisClient({ baseUrl: second.url, token });
    expect((await again.getJob('/k/running')).state).toBe('RUNNING');
    expect((await again.getJob('/k/waiting')).task_counts.PENDING).toBe(3);
    // The worker reconnects still running its attempt: it is neither restarted nor killed.
    const after = await again.reconcile('kw', { attempts: [{ task_id: '/k/running/0', attempt: 0, state: 'RUNNING' }], wait_ms: 0 });
    expect(after).toEqual({ start: [], kill: [] });
    await again.reconcile('kw', { attempts: [{ task_id: '/k/running/0', attempt: 0, state: 'SUCCEEDED', exit_code: 0 }], wait_ms: 0 });
    expect((await again.getJob('/k/running')).state).toBe('SUCCEEDED');
    const next = await again.reconcile('kw', { attempts: [], wait_ms: 5_000 });
    expect(next.start.map((s) => s.task_id)).toEqual(['/k/waiting/0']);
    expect(restartMs).toBeLessThan(10_000);
  });
});
