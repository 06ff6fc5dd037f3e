import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '@iris/core';
import { CredentialStore, JoinRefusedError } from './credential-store.js';
import { hashSecret } from './secret-hash.js';
import { bearerOf, workerPrincipal } from './principal.js';

describe('CredentialStore: join tokens traded for worker credentials', () => {
  let db: Database.Database;
  let clock: FakeClock;
  let store: CredentialStore;

  beforeEach(() => {
    db = new Database(':memory:');
    clock = new FakeClock(1_000_000);
    store = new CredentialStore(db, clock);
  });
  afterEach(() => db.close());

  const refusal = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(JoinRefusedError);
      return (err as Error).message;
    }
    throw new Error('expected a refusal');
  };

  it('stores only digests: neither the join token nor the credential is in the database', () => {
    const { token } = store.mintJoinToken({ requestId: 'r1', group: 'g', uses: 1, ttlMs: 60_000 });
    const credential = store.claim(token, 'vm-0');
    const dump = JSON.stringify([db.prepare('SELECT * FROM auth_join_tokens').all(), db.prepare('SELECT * FROM auth_worker_credentials').all()]);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(credential);
    expect(dump).toContain(hashSecret(token));
    expect(token).toMatch(/^ij_/);
    expect(credential).toMatch(/^iw_/);
  });

  it('gives each VM of the slice one use, then refuses a further VM', () => {
    const { token } = store.mintJoinToken({ requestId: 'r1', group: 'tpu', uses: 2, ttlMs: 60_000 });
    const a = store.claim(token, 'vm-0');
    const b = store.claim(token, 'vm-1');
    expect(store.authenticateWorker(a)).toEqual({ workerId: 'vm-0', requestId: 'r1' });
    expect(store.authenticateWorker(b)).toEqual({ workerId: 'vm-1', requestId: 'r1' });
    expect(refusal(() => store.claim(token, 'vm-2'))).toMatch(/already used by 2 worker\(s\).*group "tpu"/);
  });

  it('lets the same VM trade again before expiry (a lost answer), revoking its earlier credential', () => {
    const { token } = store.mintJoinToken({ requestId: 'r1', group: 'g', uses: 1, ttlMs: 60_000 });
    const first = store.claim(token, 'vm-0');
    const second = store.claim(token, 'vm-0');
    expect(store.authenticateWorker(first)).toBeUndefined();
    expect(store.authenticateWorker(second)?.workerId).toBe('vm-0');
  });

  it('refuses an expired token, saying when it expired', async () => {
    const { token } = store.mintJoinToken({ requestId: 'r1', group: 'g', uses: 1, ttlMs: 60_000 });
    await clock.advance(60_000);
    expect(refusal(() => store.claim(token, 'vm-0'))).toMatch(/expired .*Z \(group "g"\)/);
  });

  it('refuses a token this controller never minted', () => {
    const other = new CredentialStore(new Database(':memory:'), clock);
    const { token } = other.mintJoinToken({ requestId: 'r1', group: 'g', uses: 1, ttlMs: 60_000 });
    expect(refusal(() => store.claim(token, 'vm-0'))).toMatch(/never issued it/);
  });

  it('revokes per worker and per slice; a revoked slice token no longer joins', () => {
    const { token } = store.mintJoinToken({ requestId: 'r1', group: 'g', uses: 2, ttlMs: 60_000 });
    const a = store.claim(token, 'vm-0');
    expect(store.revokeWorker('vm-0')).toBe(1);
    expect(store.authenticateWorker(a)).toBeUndefined();
    const b = store.claim(token, 'vm-1');
    expect(store.liveRequestIds()).toEqual(['r1']);
    expect(store.revokeSlice('r1')).toBe(1);
    expect(store.authenticateWorker(b)).toBeUndefined();
    expect(refusal(() => store.claim(token, 'vm-1'))).toMatch(/expired/);
  });

  it('survives a restart: a new store over the same database knows the tokens', () => {
    const { token } = store.mintJoinToken({ requestId: 'r1', group: 'g', uses: 1, ttlMs: 60_000 });
    const credential = new CredentialStore(db, clock).claim(token, 'vm-0');
    expect(new CredentialStore(db, clock).authenticateWorker(credential)?.workerId).toBe('vm-0');
  });

  it('drops tokens expired for a day as it mints more, keeping the credentials traded for them', async () => {
    const { token } = store.mintJoinToken({ requestId: 'old', group: 'g', uses: 1, ttlMs: 1_000 });
    const credential = store.claim(token, 'vm-old');
    await clock.advance(2 * 24 * 60 * 60_000);
    for (let i = 0; i < 256; i++) store.mintJoinToken({ requestId: `r${i}`, group: 'g', uses: 1, ttlMs: 60_000 });
    expect(store.isJoinToken(token)).toBe(false);
    expect(store.authenticateWorker(credential)?.workerId).toBe('vm-old');
  });

  it('prunes tokens long expired', async () => {
    store.mintJoinToken({ requestId: 'r1', group: 'g', uses: 1, ttlMs: 1_000 });
    await clock.advance(10_000);
    store.pruneExpired(5_000);
    expect(db.prepare('SELECT COUNT(*) AS n FROM auth_join_tokens').get()).toEqual({ n: 0 });
  });
});

describe('the principal behind a bearer credential', () => {
  const store = new CredentialStore(new Database(':memory:'), new FakeClock(0));

  it('tells a worker credential and a join token apart; refuses made-up ones; a join token only where registration takes it', () => {
    const { token } = store.mintJoinToken({ requestId: 'r', group: 'g', uses: 1, ttlMs: 60_000 });
    expect(workerPrincipal(token, store, true)).toEqual({ kind: 'join', joinToken: token });
    expect(workerPrincipal(token, store, false)).toBeUndefined();
    const credential = store.claim(token, 'vm-0');
    expect(workerPrincipal(credential, store, false)).toEqual({ kind: 'worker', workerId: 'vm-0' });
    expect(workerPrincipal('ij_made-up', store, true)).toBeUndefined();
    expect(workerPrincipal('iw_made-up', store, false)).toBeUndefined();
    expect(workerPrincipal(undefined, store, true)).toBeUndefined();
    expect(bearerOf({ authorization: `Bearer ${credential}` })).toBe(credential);
  });
});
