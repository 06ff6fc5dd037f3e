import Database from 'better-sqlite3';
import { FakeClock } from '@iris/core';
import { describe, expect, it } from 'vitest';
import { SessionStore } from './sessions.js';

const DAY = 24 * 3_600_000;

function store(clock = new FakeClock(1_000)) {
  const db = new Database(':memory:');
  return { db, clock, sessions: new SessionStore(db, clock, 7 * DAY) };
}

describe('SessionStore', () => {
  it('creates a session whose secret verifies, and stores only its hash', () => {
    const { db, sessions } = store();
    const { secret, info } = sessions.create('Mozilla/5.0 test');
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(info).toMatchObject({ created_at_ms: 1_000, expires_at_ms: 1_000 + 7 * DAY, user_agent: 'Mozilla/5.0 test' });
    expect(sessions.verify(secret)?.id).toBe(info.id);
    expect(sessions.verify(`${secret}x`)).toBeUndefined();
    expect(sessions.verify('')).toBeUndefined();
    const dump = JSON.stringify(db.prepare('SELECT * FROM dashboard_sessions').all());
    expect(dump).not.toContain(secret);
  });

  it('expires a session after its life and prunes it from the list', async () => {
    const { clock, sessions } = store();
    const { secret } = sessions.create();
    await clock.advance(7 * DAY - 1);
    expect(sessions.verify(secret)).toBeDefined();
    await clock.advance(1);
    expect(sessions.verify(secret)).toBeUndefined();
    expect(sessions.list()).toEqual([]);
  });

  it('records use at most once a minute', async () => {
    const { clock, sessions } = store();
    const { secret } = sessions.create();
    await clock.advance(30_000);
    expect(sessions.verify(secret)?.last_used_ms).toBe(1_000);
    await clock.advance(30_000);
    expect(sessions.verify(secret)?.last_used_ms).toBe(61_000);
  });

  it('revokes by id or unique prefix, and refuses an ambiguous prefix', () => {
    const { sessions } = store();
    const a = sessions.create();
    const b = sessions.create();
    expect(
      sessions
        .list()
        .map((s) => s.id)
        .sort(),
    ).toEqual([a.info.id, b.info.id].sort());
    expect(sessions.revoke('nope')).toBeUndefined();
    expect(sessions.revoke('')).toBeUndefined();
    expect(sessions.revoke(a.info.id.slice(0, 8))?.id).toBe(a.info.id);
    expect(sessions.verify(a.secret)).toBeUndefined();
    expect(sessions.verify(b.secret)).toBeDefined();
  });

  it('refuses a prefix that matches two sessions', () => {
    const { sessions } = store();
    // Ids are random: make enough that two share a first hex digit.
    const ids = Array.from({ length: 17 }, () => sessions.create().info.id);
    const first = ids.map((id) => id[0]!).find((c, i, all) => all.indexOf(c) !== i)!;
    expect(() => sessions.revoke(first)).toThrow(/give more of the id/);
  });

  it('ends the session of a secret (sign-out)', () => {
    const { sessions } = store();
    const { secret } = sessions.create();
    sessions.end(secret);
    expect(sessions.verify(secret)).toBeUndefined();
    expect(sessions.list()).toEqual([]);
  });
});
