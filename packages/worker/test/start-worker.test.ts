import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@iris/core';
import { startWorker, workerMainPath, type WorkerHandle } from '../src/index.js';
import { ScriptedController } from './helpers/scripted-controller.js';

const handles: WorkerHandle[] = [];
const controllers: ScriptedController[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.stop();
  for (const c of controllers.splice(0)) await c.close();
});

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('startWorker', () => {
  it('probes, keeps its id in the work dir, registers with attributes and stops cleanly', async () => {
    const ctl = new ScriptedController();
    controllers.push(ctl);
    const url = await ctl.listen();
    const workDir = mkdtempSync(join(tmpdir(), 'iris-sw-'));
    const env = { IRIS_WORKER_ATTRIBUTES: 'pool=gold', PATH: process.env['PATH'] };
    const handle = await startWorker({ controllerUrl: url, token: 'tkn-0001', workDir, attributes: ['rack=r1'], env, logger: silentLogger });
    handles.push(handle);
    await until(() => ctl.reconciles.length > 0);
    expect(handle.status).toBe('registered');
    expect(readFileSync(join(workDir, 'worker-id'), 'utf8').trim()).toBe(handle.workerId);
    expect(ctl.registrations[0]).toMatchObject({ worker_id: handle.workerId, attributes: { pool: 'gold', rack: 'r1' } });
    expect(ctl.registrations[0]?.resources.cpu).toBeGreaterThan(0);
    expect(ctl.authHeaders[0]).toBe('Bearer tkn-0001');
    await handle.stop();
    expect(handle.status).toBe('stopped');

    // A second life in the same work dir comes back under the same id.
    const again = await startWorker({ controllerUrl: url, workDir, env, logger: silentLogger });
    handles.push(again);
    expect(again.workerId).toBe(handle.workerId);
  });

  it('locates the built worker program for providers that launch workers as processes', () => {
    expect(workerMainPath()).toMatch(/packages\/worker\/dist\/main\.js$/);
    expect(existsSync(workerMainPath())).toBe(true);
  });

  it('fails fast on a malformed attribute, before touching the controller', async () => {
    const ctl = new ScriptedController();
    controllers.push(ctl);
    const url = await ctl.listen();
    await expect(
      startWorker({ controllerUrl: url, workDir: mkdtempSync(join(tmpdir(), 'iris-sw-')), attributes: ['novalue'], env: {}, logger: silentLogger }),
    ).rejects.toThrow(/--attribute: attribute "novalue"/);
    expect(ctl.registrations).toEqual([]);
  });
});
