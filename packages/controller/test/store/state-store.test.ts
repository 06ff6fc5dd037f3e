import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, migrate, schemaVersion } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { StateStore } from '../../src/store/state-store.js';
import { SqliteSliceStore } from '../../src/store/sqlite-slice-store.js';
import { StateFixture } from '../support/state-fixture.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iris-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const now = () => 1_700_000_000_000;

describe('database and migrations', () => {
  it('creates the schema once, in WAL mode, and records its version', () => {
    const file = join(dir, 'controller.db');
    const db = openDatabase(file, now);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining(['jobs', 'tasks', 'attempts', 'workers', 'endpoints', 'bundles', 'log_lines', 'actions', 'slices', 'schema_version']),
    );
    db.close();
    // Opening again applies nothing new.
    const again = openDatabase(file, now);
    expect((again.prepare('SELECT COUNT(*) AS n FROM schema_version').get() as { n: number }).n).toBe(MIGRATIONS.length);
    again.close();
  });

  it('applies a later migration on top and refuses a database newer than the code', () => {
    const file = join(dir, 'controller.db');
    openDatabase(file, now).close();
    const next = [...MIGRATIONS, { version: 99, name: 'extra', sql: 'CREATE TABLE extra (x INTEGER)' }];
    const db = openDatabase(file, now, next);
    expect(schemaVersion(db)).toBe(99);
    db.close();
    expect(() => openDatabase(file, now)).toThrow(expect.objectContaining({ code: 'IRIS_STATE_TOO_NEW' }));
  });

  it('moves slices written with a pending: id to rows keyed by request id', () => {
    const file = join(dir, 'controller.db');
    const db = openDatabase(file, now, MIGRATIONS.slice(0, 1));
    const insert = db.prepare(
      'INSERT INTO slices (group_name, slice_id, request_id, state, created_at, liveness_deadline, last_change) VALUES (?, ?, ?, ?, 1, 2, 3)',
    );
    insert.run('g', 'pending:r1', 'r1', 'requesting');
    insert.run('g', 's2', 'r2', 'unknown');
    insert.run('g', 's3', 'r3', 'terminated');
    migrate(db, MIGRATIONS, now);
    const store = new StateStore(db, { maxLogLinesPerAttempt: 10, maxActions: 50 });
    const rows = new SqliteSliceStore(store, now).list('g');
    expect(rows.map((r) => [r.requestId, r.sliceId, r.state])).toEqual([
      ['r1', undefined, 'requesting'],
      ['r2', 's2', 'booting'],
      ['r3', 's3', 'failed'],
    ]);
    store.close();
  });

  it('rolls a failing migration back entirely', () => {
    const file = join(dir, 'controller.db');
    const db = openDatabase(file, now);
    const latest = MIGRATIONS.at(-1)!.version;
    const broken = [...MIGRATIONS, { version: latest + 1, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); CREATE TABLE jobs (y INTEGER);' }];
    expect(() => migrate(db, broken, now)).toThrow();
    expect(schemaVersion(db)).toBe(latest);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    db.close();
  });
});

describe('StateStore', () => {
  it('commits nothing of a transaction that throws', () => {
    const f = new StateFixture();
    try {
      expect(() =>
        f.store.transaction(() => {
          f.store.recordAction(1, 'k', 's', 'm');
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(f.store.listActions(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    } finally {
      f.close();
    }
  });

  it('keeps a bounded number of log lines per attempt and reads them by task, job, or job and descendants', () => {
    const store = new StateStore(openDatabase(join(dir, 'c.db'), now), { maxLogLinesPerAttempt: 10, maxActions: 5 });
    const lines = Array.from({ length: 25 }, (_, i) => ({ task_id: '/j/0', attempt: 0, stream: 'stdout' as const, ts: i, line: `line ${i}` }));
    store.transaction(() => store.appendLogs(lines));
    store.transaction(() => store.appendLogs([{ task_id: '/j/child/0', attempt: 0, stream: 'stderr', ts: 1, line: 'child' }]));
    store.transaction(() => store.appendLogs([{ task_id: '/jx/0', attempt: 0, stream: 'stderr', ts: 1, line: 'other job' }]));
    const own = store.readLogs({ taskId: '/j/0', cursor: 0, limit: 100 });
    expect(own.length).toBe(10);
    expect(own.at(-1)!.line).toBe('line 24');
    // A job's logs are its own tasks' lines: `/j/child/0` belongs to another job, even below `/j`.
    const job = store.readLogs({ job: '/j', cursor: 0, limit: 100 });
    expect(job.map((l) => l.line)).not.toContain('child');
    expect(job.map((l) => l.line)).not.toContain('other job');
    const tree = store.readLogs({ job: '/j', descendants: ['/j/child'], cursor: 0, limit: 100 });
    expect(tree.map((l) => l.line)).toContain('child');
    expect(tree.map((l) => l.line)).not.toContain('other job');
    const after = store.readLogs({ job: '/j', descendants: ['/j/child'], cursor: own.at(-1)!.seq, limit: 100 });
    expect(after.map((l) => l.line)).toEqual(['child']);
    store.close();
  });

  it('bounds the action log', () => {
    const store = new StateStore(openDatabase(join(dir, 'c.db'), now), { maxLogLinesPerAttempt: 10, maxActions: 50 });
    for (let i = 0; i < 300; i++) store.recordAction(i, 'kind', 'subject', `message ${i}`);
    const count = (store.db.prepare('SELECT COUNT(*) AS n FROM actions').get() as { n: number }).n;
    expect(count).toBeLessThanOrEqual(150);
    expect(store.listActions(Number.MAX_SAFE_INTEGER, 1)[0]!.message).toBe('message 299');
    store.close();
  });

  it('persists the autoscaler slices', () => {
    const store = new StateStore(openDatabase(join(dir, 'c.db'), now), { maxLogLinesPerAttempt: 10, maxActions: 50 });
    const slices = new SqliteSliceStore(store, now);
    // Keyed by request id: the requesting row becomes the created slice, no `pending:` id.
    slices.upsert({ group: 'g', requestId: 'r1', state: 'requesting', createdAtMs: 5, livenessDeadlineMs: 50 });
    expect(slices.list('g')).toEqual([{ group: 'g', requestId: 'r1', state: 'requesting', createdAtMs: 5, livenessDeadlineMs: 50 }]);
    slices.upsert({ group: 'g', sliceId: 's1', requestId: 'r1', zone: 'z', state: 'ready', createdAtMs: 5, readyAtMs: 9, livenessDeadlineMs: 60 });
    slices.upsert({ group: 'h', sliceId: 's2', requestId: 'r2', state: 'booting', createdAtMs: 6, livenessDeadlineMs: 70 });
    slices.upsert({ group: 'h', requestId: 'r3', state: 'requesting', createdAtMs: 7, livenessDeadlineMs: 70 });
    slices.delete('h', 'r3');
    expect(slices.list('g')).toEqual([
      { group: 'g', sliceId: 's1', requestId: 'r1', zone: 'z', state: 'ready', createdAtMs: 5, readyAtMs: 9, livenessDeadlineMs: 60 },
    ]);
    expect(slices.loadAll().map((s) => s.sliceId)).toEqual(['s1', 's2']);
    store.close();
  });

  it('inserts a job of 10k tasks and reloads 100k tasks quickly', () => {
    const f = new StateFixture();
    try {
      const start = performance.now();
      for (let j = 0; j < 10; j++) f.state.submitJob({ name: `/bulk/${'j' + j}`, command: ['true'], replicas: 10_000 });
      const insertMs = performance.now() - start;
      const reloadStart = performance.now();
      f.reopen();
      const reloadMs = performance.now() - reloadStart;
      expect(f.state.tasks.size).toBe(100_000);
      expect(f.state.pending.size).toBe(100_000);
      // Loose ceilings for a shared CI machine; the benchmarks measure the real figures.
      expect(insertMs).toBeLessThan(10_000);
      expect(reloadMs).toBeLessThan(10_000);
    } finally {
      f.close();
    }
  });
});
