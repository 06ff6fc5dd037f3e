import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES } from '@iris/core/api';
import { runController, WORKER, type RunningController } from '../support/controller-fixture.js';

let c: RunningController;
beforeAll(async () => {
  c = await runController({ loginCodeTtlMs: 60_000 });
});
afterAll(() => c.close());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${c.handle.url}${path}`, { headers, redirect: 'manual' });

async function mintCode(): Promise<{ code: string; path: string; expires_at_ms: number }> {
  const res = await fetch(`${c.handle.url}/api/v1/login-codes`, { method: 'POST', headers: { authorization: `Bearer ${c.handle.token}` } });
  expect(res.status).toBe(201);
  return (await res.json()) as { code: string; path: string; expires_at_ms: number };
}

describe('dashboard routes and sign-in', () => {
  it('serves the static dashboard to anyone, with a strict content security policy', async () => {
    const root = await get('/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/dashboard/');
    const index = await get('/dashboard/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await index.text()).toContain('/dashboard/app.js');
    const js = await get('/dashboard/pages/jobs.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
  });

  it('serves no file outside the dashboard folder', async () => {
    for (const path of ['/dashboard/../package.json', '/dashboard/%2e%2e/package.json', '/dashboard/nope.js', '/dashboard/..%2Fpackage.json']) {
      const res = await get(path);
      expect([302, 404], path).toContain(res.status);
      expect(await res.text()).not.toContain('"name": "@iris/controller"');
    }
  });

  it('refuses API reads without the token or cookie, but keeps /health open', async () => {
    for (const path of ['/api/v1/jobs', '/api/v1/workers', '/api/v1/job-tree', '/api/v1/actions', '/api/v1/config']) {
      const res = await get(path);
      expect(res.status, path).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe(API_ERROR_CODES.unauthorized);
    }
    expect((await get('/health')).status).toBe(200);
    expect((await fetch(`${c.handle.url}/api/v1/login-codes`, { method: 'POST' })).status).toBe(401);
  });

  it('trades a one-time code for an HttpOnly, SameSite=Strict cookie that authorises reads', async () => {
    const { code, path, expires_at_ms } = await mintCode();
    expect(path).toBe(`/dashboard/login?code=${encodeURIComponent(code)}`);
    expect(expires_at_ms).toBeGreaterThan(Date.now());
    const login = await get(path);
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/dashboard/');
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^iris_session=[A-Za-z0-9_-]+; HttpOnly; SameSite=Strict; Path=\//);
    const session = cookie.split(';')[0]!;
    expect((await get('/api/v1/jobs', { cookie: session })).status).toBe(200);
    // The code works once (a browser with a live session reopening it goes on to the dashboard).
    const again = await get(path);
    expect(again.status).toBe(401);
    expect(await again.text()).toContain('iris dashboard');
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('refuses a wrong cookie and an unknown code', async () => {
    expect((await get('/api/v1/jobs', { cookie: 'iris_session=wrong' })).status).toBe(401);
    expect((await get('/dashboard/login?code=made-up')).status).toBe(401);
    expect((await get('/dashboard/login')).status).toBe(401);
  });

  it('lists the job tree with filter, sort and paging', async () => {
    await c.client.submitJob({ name: '/team', command: ['true'] });
    await c.client.submitJob({ name: '/team/child', command: ['true'], parent: '/team' });
    await c.client.submitJob({ name: '/solo', command: ['true'] });
    const auth = { authorization: `Bearer ${c.handle.token}` };
    const res = await get('/api/v1/job-tree?sort=name&order=asc', auth);
    expect(res.status).toBe(200);
    const page = (await res.json()) as { total: number; items: { name: string; depth: number }[]; counts: Record<string, number> };
    expect(page.items.map((r) => [r.name, r.depth])).toEqual([
      ['/solo', 0],
      ['/team', 0],
      ['/team/child', 1],
    ]);
    expect(page.counts.PENDING).toBe(3);
    const filtered = (await (await get('/api/v1/job-tree?name=child&limit=1', auth)).json()) as { total: number; items: { name: string }[] };
    expect(filtered.total).toBe(2);
    expect(filtered.items.map((r) => r.name)).toEqual(['/team']);
    for (const bad of ['state=DONE', 'sort=size', 'order=up', 'limit=x']) expect((await get(`/api/v1/job-tree?${bad}`, auth)).status, bad).toBe(400);
  });

  it('lists the tasks placed on a worker and not finished', async () => {
    const auth = { authorization: `Bearer ${c.handle.token}` };
    await c.client.registerWorker({ worker_id: 'dash-w1', ...WORKER });
    await c.client.submitJob({ name: '/placed', command: ['true'] });
    c.handle.schedule();
    const page = (await (await get('/api/v1/tasks?worker=dash-w1', auth)).json()) as { items: { task_id: string; state: string; worker_id: string }[] };
    // The jobs of the earlier tests are placed on this worker too.
    expect(page.items.map((t) => [t.task_id, t.state, t.worker_id])).toContainEqual(['/placed/0', 'ASSIGNED', 'dash-w1']);
    expect(page.items.every((t) => t.worker_id === 'dash-w1' && t.state === 'ASSIGNED')).toBe(true);
    const other = (await (await get('/api/v1/tasks?worker=nobody', auth)).json()) as { items: unknown[] };
    expect(other.items).toEqual([]);
    expect((await get('/api/v1/tasks')).status).toBe(401);
  });

  it('answers 404 for /config on a controller started without a cluster file', async () => {
    const res = await get('/api/v1/config', { authorization: `Bearer ${c.handle.token}` });
    expect(res.status).toBe(404);
  });
});
