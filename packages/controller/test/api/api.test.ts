import { createHash } from 'node:crypto';
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES, IrisApiError } from '@iris/core/api';
import { runController, WORKER, type RunningController } from '../support/controller-fixture.js';

let c: RunningController;
beforeAll(async () => {
  c = await runController();
});
afterAll(() => c.close());

async function raw(method: string, path: string, body?: string, token: string | undefined = c.handle.token) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(`${c.handle.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: res.status, body: (await res.text()) as string };
}

async function rejects(p: Promise<unknown>, status: number, code: string) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IrisApiError);
  expect(err).toMatchObject({ status, code });
}

describe('HTTP API', () => {
  it('answers /health without a token', async () => {
    expect(await c.anonymous.health()).toEqual({ status: 'ok', workers: 0, jobs: 0 });
  });

  it('writes the token with mode 0600 and controller.json with the url', () => {
    expect(statSync(join(c.dir, 'token')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(c.dir, 'controller.json'), 'utf8'))).toEqual({ url: c.handle.url, pid: process.pid });
  });

  it('refuses every API call without the right token', async () => {
    await rejects(c.anonymous.submitJob({ name: '/x', command: ['true'] }), 401, API_ERROR_CODES.unauthorized);
    await rejects(
      new (c.client.constructor as typeof import('@iris/core/api').IrisClient)({ baseUrl: c.handle.url, token: 'wrong' }).registerWorker({
        worker_id: 'w',
        ...WORKER,
      }),
      401,
      API_ERROR_CODES.unauthorized,
    );
    await rejects(c.anonymous.fetchLogs({ id: '/x' }), 401, API_ERROR_CODES.unauthorized);
    // Reads need the token too (or the dashboard's cookie): the cluster's jobs are not public.
    await rejects(c.anonymous.listJobs(), 401, API_ERROR_CODES.unauthorized);
  });

  it('rejects malformed bodies with 400 and changes nothing', async () => {
    const bad = [
      '{',
      '[]',
      '{"name":"/x"}',
      '{"name":"x","command":["a"]}',
      '{"name":"/x/0","command":["a"]}',
      '{"name":"/x","command":["a"],"replicas":10001}',
      '{"name":"/x","command":["a"],"constraints":[{"key":"k","op":"gt"}]}',
      '{"name":"/x","command":["a"],"extra":1}',
    ];
    for (const body of bad) {
      const res = await raw('POST', '/api/v1/jobs', body);
      expect(res.status, body).toBe(400);
      expect(JSON.parse(res.body).code).toBe(API_ERROR_CODES.invalidRequest);
    }
    expect((await c.client.listJobs()).items).toEqual([]);
    expect(JSON.parse((await raw('POST', '/api/v1/jobs', '{"name":"/x","command":[]}')).body).message).toMatch(/body\/command/);
  });

  it('answers 404 for unknown things and 409 for a live duplicate', async () => {
    await rejects(c.client.getJob('/nope'), 404, API_ERROR_CODES.notFound);
    await rejects(c.client.getTask('/nope/0'), 404, API_ERROR_CODES.notFound);
    expect((await raw('GET', '/api/v1/unknown')).status).toBe(404);
    await c.client.submitJob({ name: '/dup', command: ['true'], resources: { cpu: 100 } });
    await rejects(c.client.submitJob({ name: '/dup', command: ['true'] }), 409, API_ERROR_CODES.conflict);
    await c.client.killJob('/dup');
    expect((await c.client.getJob('/dup')).state).toBe('KILLED');
  });

  it('paginates jobs and tasks', async () => {
    for (let i = 0; i < 5; i++) await c.client.submitJob({ name: `/page/j${i}`, command: ['true'], replicas: 3, resources: { cpu: 100 } });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await c.client.listJobs({ prefix: '/page/', limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((j) => j.name));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['/page/j0', '/page/j1', '/page/j2', '/page/j3', '/page/j4']);
    const first = await c.client.listTasks('/page/j0', { limit: 2 });
    expect(first.items.map((t) => t.index)).toEqual([0, 1]);
    const second = await c.client.listTasks('/page/j0', { limit: 2, cursor: first.next_cursor! });
    expect(second.items.map((t) => t.index)).toEqual([2]);
    expect(second.next_cursor).toBeUndefined();
    await rejects(c.client.listJobs({ limit: 0 }), 400, API_ERROR_CODES.invalidRequest);
    for (let i = 0; i < 5; i++) await c.client.killJob(`/page/j${i}`);
  });

  it('runs a job end to end: submit wakes the held reconcile, reports, logs, outcome', async () => {
    await c.client.registerWorker({ worker_id: 'api-w1', ...WORKER });
    const held = c.client.reconcile('api-w1', { attempts: [], wait_ms: 2_000 });
    const t0 = performance.now();
    await c.client.submitJob({ name: '/e2e', command: ['echo', 'hi'], resources: { cpu: 1 }, env: { A: 'b' } });
    const work = await held;
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(work.start).toEqual([expect.objectContaining({ task_id: '/e2e/0', attempt: 0, env: { A: 'b' } })]);
    await c.client.reconcile('api-w1', { attempts: [{ task_id: '/e2e/0', attempt: 0, state: 'RUNNING' }], wait_ms: 0 });
    expect((await c.client.pushLogs('api-w1', [{ task_id: '/e2e/0', attempt: 0, stream: 'stdout', ts: 1, line: 'hi' }])).accepted).toBe(1);
    const logs = await c.client.fetchLogs({ id: '/e2e' });
    expect(logs.lines.map((l) => l.line)).toEqual(['hi']);
    const follow = c.client.fetchLogs({ id: '/e2e/0', cursor: logs.cursor, wait_ms: 2_000 });
    await c.client.pushLogs('api-w1', [{ task_id: '/e2e/0', attempt: 0, stream: 'stderr', ts: 2, line: 'bye' }]);
    expect((await follow).lines.map((l) => l.line)).toEqual(['bye']);
    await c.client.reconcile('api-w1', { attempts: [{ task_id: '/e2e/0', attempt: 0, state: 'SUCCEEDED', exit_code: 0 }], wait_ms: 0 });
    expect((await c.client.getJob('/e2e')).state).toBe('SUCCEEDED');
    const task = await c.client.getTask('/e2e/0');
    expect(task.attempts).toEqual([expect.objectContaining({ attempt: 0, state: 'SUCCEEDED', worker_id: 'api-w1' })]);
    expect((await c.client.listWorkers()).items.map((w) => w.worker_id)).toContain('api-w1');
  });

  it('holds an idle reconcile and returns empty after the wait', async () => {
    await c.client.registerWorker({ worker_id: 'idle', ...WORKER, attributes: { zone: 'none' } });
    const t0 = performance.now();
    const work = await c.client.reconcile('idle', { attempts: [], wait_ms: 300 });
    expect(work).toEqual({ start: [], kill: [] });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    await rejects(c.client.reconcile('never-registered', { attempts: [] }), 404, API_ERROR_CODES.notFound);
  });

  it('stores bundles by content hash and refuses a wrong hash', async () => {
    const bytes = new TextEncoder().encode('bundle bytes');
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(await c.client.hasBundle(sha)).toBe(false);
    expect(await c.client.uploadBundle(sha, bytes)).toEqual({ bundle_id: sha, size_bytes: bytes.length });
    expect(await c.client.hasBundle(sha)).toBe(true);
    expect(new TextDecoder().decode(await c.client.downloadBundle(sha))).toBe('bundle bytes');
    await rejects(c.client.uploadBundle('0'.repeat(64), bytes), 400, API_ERROR_CODES.invalidRequest);
    await rejects(c.client.submitJob({ name: '/nobundle', command: ['x'], bundle_id: 'f'.repeat(64) }), 400, API_ERROR_CODES.invalidRequest);
    expect((await c.client.submitJob({ name: '/withbundle', command: ['x'], bundle_id: sha, resources: { cpu: 100 } })).job.bundle_id).toBe(sha);
  });

  it('lists the action log newest first', async () => {
    const page = await c.client.listActions({ limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.items[0]!.seq).toBeGreaterThan(page.items[1]!.seq);
  });

  it('never crashes on arbitrary bodies (fuzz)', async () => {
    const jobsBefore = c.handle.state.jobs.size;
    const paths = ['/api/v1/jobs', '/api/v1/workers/register', '/api/v1/workers/api-w1/reconcile', '/api/v1/logs', '/api/v1/jobs/%2Fe2e/kill'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify({ name: '/f', command: v })),
        ),
        async (path, body) => {
          const res = await raw('POST', path, body);
          expect([200, 201, 400, 404, 409]).toContain(res.status);
          expect(typeof JSON.parse(res.body).code === 'string' || res.status < 300).toBe(true);
        },
      ),
      { numRuns: 150, seed: 42 },
    );
    expect((await c.anonymous.health()).status).toBe('ok');
    expect(c.handle.state.jobs.size).toBeGreaterThanOrEqual(jobsBefore);
  });
});
