import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES } from '@iris/core/api';
import { DEFAULT_CONFIG } from '@iris/core/config';
import { buildController } from '../support/child-controller.js';
import { runController, WORKER, type RunningController } from '../support/controller-fixture.js';
import { startControllerProcess, stopProcess } from './processes.js';

let c: RunningController;
beforeAll(async () => {
  c = await runController();
});
afterAll(async () => c.close());

async function post(path: string, body: string): Promise<{ status: number; code: string; message: string }> {
  const res = await fetch(`${c.handle.url}/api/v1/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${c.handle.token}`, 'content-type': 'application/json' },
    body,
  });
  const json = (await res.json()) as { code: string; message: string };
  return { status: res.status, ...json };
}

const submit = (job: Record<string, unknown>) => post('jobs', JSON.stringify({ command: ['true'], ...job }));

describe('input the controller refuses', () => {
  it.each([['/t/../../etc'], ['/t/./x'], ['/..'], ['/a/..']])('a job name with a . or .. segment: %s', async (name) => {
    const r = await submit({ name });
    expect(r.status).toBe(400);
    expect(c.handle.state.jobs.has(name)).toBe(false);
  });

  it('NUL bytes in arguments, env names and values, and = in env names', async () => {
    for (const job of [
      { name: '/nul/arg', command: ['echo', 'a\u0000b'] },
      { name: '/nul/key', env: { 'A\u0000B': '1' } },
      { name: '/nul/value', env: { A: 'x\u0000y' } },
      { name: '/eq/key', env: { 'A=B': '1' } },
    ]) {
      const r = await submit(job);
      expect({ name: job.name, status: r.status, code: r.code }).toEqual({ name: job.name, status: 400, code: API_ERROR_CODES.invalidRequest });
    }
    expect([...c.handle.state.jobs.keys()].filter((n) => /nul|eq/.test(n))).toEqual([]);
  });

  it('an environment or command larger than the limits (spawn would fail with E2BIG)', async () => {
    const big: Record<string, string> = {};
    for (let i = 0; i < 160; i++) big[`V${i}`] = 'x'.repeat(60_000); // ~10 MB in all
    const env = await submit({ name: '/big/env', env: big });
    expect(env.status).toBe(400);
    expect(env.message).toMatch(/environment is \d+ bytes/);
    const args = await submit({ name: '/big/cmd', command: ['echo', ...Array.from({ length: 10 }, () => 'y'.repeat(60_000))] });
    expect(args.status).toBe(400);
    expect(args.message).toMatch(/command is \d+ bytes/);
  });

  it('JSON bodies over the entry or depth limit, counted while streaming, before parsing', async () => {
    const { max_json_entries: maxEntries, max_json_depth: maxDepth } = DEFAULT_CONFIG.controller.limits;
    const keys = Array.from({ length: maxEntries + 10 }, (_, i) => `"k${i}":1`).join(',');
    const wide = await post('jobs', `{"name":"/wide","command":["true"],"env":{${keys}}}`);
    expect(wide.status).toBe(413);
    expect(wide.message).toMatch(/more than \d+ JSON values/);
    const deep = await post('jobs', `${'['.repeat(maxDepth + 5)}${']'.repeat(maxDepth + 5)}`);
    expect(deep.status).toBe(413);
    expect(deep.message).toMatch(/nests deeper/);
    // Brackets inside strings are text, not structure.
    const textual = await submit({ name: '/brackets', command: ['echo', '[[[[{{{{,,,,'.repeat(1000)] });
    expect(textual.status).toBe(201);
  });

  it('log lines from an unregistered worker, or for a task the worker does not run', async () => {
    await c.client.registerWorker({ worker_id: 'honest', ...WORKER });
    await c.client.registerWorker({ worker_id: 'nosy', ...WORKER, resources: { ...WORKER.resources, cpu: 0 } });
    await c.client.submitJob({ name: '/logs/job', command: ['true'], resources: { cpu: 1 } });
    c.handle.schedule();
    const line = (attempt: number) => ({ task_id: '/logs/job/0', attempt, stream: 'stdout', ts: 1, line: 'forged' });
    expect((await post('logs', JSON.stringify({ worker_id: 'ghost', lines: [line(0)] }))).status).toBe(200);
    const nosy = await post('logs', JSON.stringify({ worker_id: 'nosy', lines: [line(0)] }));
    expect(nosy).toMatchObject({ status: 200, accepted: 0 });
    const stale = await post('logs', JSON.stringify({ worker_id: 'honest', lines: [line(7)] }));
    expect(stale).toMatchObject({ status: 200, accepted: 0 });
    const real = await post('logs', JSON.stringify({ worker_id: 'honest', lines: [{ ...line(0), line: 'real' }] }));
    expect(real).toMatchObject({ status: 200, accepted: 1 });
    expect((await c.client.fetchLogs({ id: '/logs/job' })).lines.map((l) => l.line)).toEqual(['real']);
  });
});

describe('a damaged token file in the state dir', () => {
  const dirs: string[] = [];
  beforeAll(() => buildController());
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it.each([['abc def\n'], ['\u0000\u0001\u0002binary']])('stops the controller with the file named, not the content: %j', async (content) => {
    const dir = mkdtempSync(join(tmpdir(), 'iris-fault-token-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'token'), content);
    const p = startControllerProcess(dir);
    try {
      expect(await p.exited).toBe(1);
      expect(p.stderr()).toContain(join(dir, 'token'));
      expect(p.stderr()).not.toContain('abc def');
    } finally {
      await stopProcess(p);
    }
  });
});
