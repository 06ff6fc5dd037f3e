import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runController, type RunningController } from '../support/controller-fixture.js';

let c: RunningController;
beforeAll(async () => {
  c = await runController({ loginCodeTtlMs: 60_000 });
});
afterAll(() => c.close());

const req = (path: string, init: RequestInit = {}) => fetch(`${c.handle.url}${path}`, { redirect: 'manual', ...init });
const bearer = () => ({ authorization: `Bearer ${c.handle.token}` });

async function signIn(userAgent = 'test-browser/1.0'): Promise<{ cookie: string; link: string }> {
  const res = await req('/api/v1/login-codes', { method: 'POST', headers: bearer() });
  const { path } = (await res.json()) as { path: string };
  const login = await req(path, { headers: { 'user-agent': userAgent } });
  expect(login.status).toBe(303);
  return { cookie: login.headers.get('set-cookie')!.split(';')[0]!, link: path };
}

interface Session {
  id: string;
  created_at_ms: number;
  expires_at_ms: number;
  last_used_ms: number;
  user_agent?: string;
}

async function listSessions(): Promise<Session[]> {
  const res = await req('/api/v1/sessions', { headers: bearer() });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Session[] }).items;
}

describe('dashboard sessions', () => {
  it('a sign-in link creates a session, with a week-long cookie that carries no token', async () => {
    const before = (await listSessions()).length;
    const login = await req(((await (await req('/api/v1/login-codes', { method: 'POST', headers: bearer() })).json()) as { path: string }).path);
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^iris_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=604800$/);
    expect(setCookie).not.toContain(c.handle.token);
    const sessions = await listSessions();
    expect(sessions).toHaveLength(before + 1);
    expect(sessions.at(-1)!.expires_at_ms - sessions.at(-1)!.created_at_ms).toBe(7 * 24 * 3_600_000);
  });

  it('no longer accepts the master token as a cookie', async () => {
    for (const name of ['iris_token', 'iris_session']) {
      expect((await req('/api/v1/jobs', { headers: { cookie: `${name}=${c.handle.token}` } })).status, name).toBe(401);
    }
  });

  it('lets a session read, never change, and never manage sessions', async () => {
    const { cookie } = await signIn();
    expect((await req('/api/v1/jobs', { headers: { cookie } })).status).toBe(200);
    const submit = await req('/api/v1/jobs', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: '/x', command: ['true'] }),
    });
    expect(submit.status).toBe(401);
    expect((await req('/api/v1/login-codes', { method: 'POST', headers: { cookie } })).status).toBe(401);
    expect((await req('/api/v1/sessions', { headers: { cookie } })).status).toBe(401);
  });

  it('revoking one session cuts its browser off at the next request and leaves the others signed in', async () => {
    const a = await signIn('browser-a');
    const b = await signIn('browser-b');
    const idOf = async (ua: string) => (await listSessions()).find((s) => s.user_agent === ua)!.id;
    const id = await idOf('browser-a');
    expect((await req(`/api/v1/sessions/${id}`, { method: 'DELETE', headers: bearer() })).status).toBe(200);
    expect((await req('/api/v1/jobs', { headers: { cookie: a.cookie } })).status).toBe(401);
    expect((await req('/api/v1/jobs', { headers: { cookie: b.cookie } })).status).toBe(200);
    expect((await listSessions()).map((s) => s.id)).not.toContain(id);
    const again = await req(`/api/v1/sessions/${id}`, { method: 'DELETE', headers: bearer() });
    expect(again.status).toBe(404);
    expect(((await again.json()) as { message: string }).message).toContain('iris dashboard sessions');
    // A short prefix of the id works, as with git's short hashes.
    const idB = await idOf('browser-b');
    expect((await req(`/api/v1/sessions/${idB.slice(0, 6)}`, { method: 'DELETE', headers: bearer() })).status).toBe(200);
    expect((await req('/api/v1/jobs', { headers: { cookie: b.cookie } })).status).toBe(401);
  });

  it("a HEAD or a preview bot's GET of a sign-in link leaves the link usable", async () => {
    const { path } = (await (await req('/api/v1/login-codes', { method: 'POST', headers: bearer() })).json()) as { path: string };
    const head = await req(path, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('set-cookie')).toBeNull();
    // Chat apps that GET the link for a preview name themselves; they do not use it up either.
    const preview = await req(path, { headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' } });
    expect(preview.status).toBe(200);
    expect(preview.headers.get('set-cookie')).toBeNull();
    const login = await req(path);
    expect(login.status).toBe(303);
    expect(login.headers.get('set-cookie')).toMatch(/^iris_session=/);
  });

  it('a signed-in browser reopening a used link lands on the dashboard; a stranger is told the link is used', async () => {
    const { cookie, link } = await signIn();
    const again = await req(link, { headers: { cookie } });
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe('/dashboard/');
    expect(again.headers.get('set-cookie')).toBeNull();
    const stranger = await req(link);
    expect(stranger.status).toBe(401);
    expect(await stranger.text()).toContain('iris dashboard');
  });

  it('signs out: POST /dashboard/logout ends the session and clears the cookie', async () => {
    const { cookie } = await signIn();
    expect((await req('/dashboard/logout')).status).toBe(405);
    const foreign = await req('/dashboard/logout', { method: 'POST', headers: { cookie, origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const crossSite = await req('/dashboard/logout', { method: 'POST', headers: { cookie, 'sec-fetch-site': 'cross-site', origin: 'null' } });
    expect(crossSite.status).toBe(403);
    expect((await req('/api/v1/jobs', { headers: { cookie } })).status).toBe(200);
    const out = await req('/dashboard/logout', { method: 'POST', headers: { cookie, origin: c.handle.url } });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/dashboard/#/signed-out');
    expect(out.headers.get('set-cookie')).toMatch(/^iris_session=; .*Max-Age=0/);
    expect((await req('/api/v1/jobs', { headers: { cookie } })).status).toBe(401);
  });

  it('serves /favicon.ico', async () => {
    const res = await req('/favicon.ico');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/x-icon');
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });
});
