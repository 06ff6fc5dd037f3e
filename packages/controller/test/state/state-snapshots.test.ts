import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, hasErrorCode, type Logger, type StateSnapshotObject, type StateSnapshotStore } from '@iris/core';
import { restoreNewestSnapshot, snapshotName, STATE_RESTORE_FAILED, StateSnapshotService } from '../../src/state/state-snapshots.js';

const SQLITE = Buffer.from('SQLite format 3\0');
const MINUTE = 60_000;

/** An object store in memory; each operation can be made to fail. */
class FakeStore implements StateSnapshotStore {
  readonly location = 'gs://bucket/demo/';
  readonly objects = new Map<string, Buffer>();
  readonly calls: string[] = [];
  fail: Partial<Record<'list' | 'upload' | 'download' | 'delete', Error>> = {};

  async list(): Promise<StateSnapshotObject[]> {
    this.calls.push('list');
    if (this.fail.list) throw this.fail.list;
    return [...this.objects.keys()].map((name) => ({ name }));
  }
  async upload(file: string, name: string): Promise<void> {
    this.calls.push(`upload ${name}`);
    if (this.fail.upload) throw this.fail.upload;
    this.objects.set(name, readFileSync(file));
  }
  async download(name: string, file: string): Promise<void> {
    this.calls.push(`download ${name}`);
    if (this.fail.download) {
      writeFileSync(file, 'partial');
      throw this.fail.download;
    }
    writeFileSync(file, this.objects.get(name)!);
  }
  async delete(name: string): Promise<void> {
    this.calls.push(`delete ${name}`);
    if (this.fail.delete) throw this.fail.delete;
    this.objects.delete(name);
  }
  snapshots(): string[] {
    return [...this.objects.keys()].filter((n) => n.startsWith('controller-')).sort();
  }
}

interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

function recordingLogger(lines: LogLine[]): Logger {
  const at =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}): void => {
      lines.push({ level, message, fields });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('StateSnapshotService', () => {
  let dir: string;
  let clock: FakeClock;
  let store: FakeStore;
  let logs: LogLine[];
  let backups: number;
  let backupError: Error | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iris-snapshots-'));
    clock = new FakeClock(Date.UTC(2026, 10, 29, 18, 0, 0));
    store = new FakeStore();
    logs = [];
    backups = 0;
    backupError = undefined;
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const service = (keep = 10): StateSnapshotService =>
    new StateSnapshotService({
      store,
      intervalMs: 10 * MINUTE,
      keep,
      clock,
      logger: recordingLogger(logs),
      tempDir: dir,
      backup: async (file) => {
        if (backupError) throw backupError;
        writeFileSync(file, Buffer.concat([SQLITE, Buffer.from(`copy ${++backups}`)]));
      },
    });

  it('uploads a snapshot every interval, named by the time it was taken, and leaves no temp file', async () => {
    writeFileSync(join(dir, '.snapshot-123-4.db'), 'left by a killed controller');
    const s = service();
    s.start();
    expect(readdirSync(dir)).toEqual([]);
    await clock.advance(10 * MINUTE - 1);
    expect(store.snapshots()).toEqual([]);
    await clock.advance(1);
    await s.idle();
    expect(store.snapshots()).toEqual(['controller-2026-11-29T18:10:00.000Z.db']);
    await clock.advance(10 * MINUTE);
    await s.idle();
    expect(store.snapshots()).toEqual(['controller-2026-11-29T18:10:00.000Z.db', 'controller-2026-11-29T18:20:00.000Z.db']);
    expect(store.objects.get('controller-2026-11-29T18:20:00.000Z.db')?.toString()).toContain('copy 2');
    expect(logs.filter((l) => l.message === 'state snapshot uploaded').map((l) => l.fields)).toEqual([
      expect.objectContaining({ location: 'gs://bucket/demo/', object: 'controller-2026-11-29T18:10:00.000Z.db', reason: 'interval' }),
      expect.objectContaining({ object: 'controller-2026-11-29T18:20:00.000Z.db' }),
    ]);
    expect(readdirSync(dir)).toEqual([]);
    await s.stop();
  });

  it('keeps the newest N snapshots and never touches other objects', async () => {
    for (let i = 0; i < 5; i++) store.objects.set(snapshotName(clock.now() - (5 - i) * MINUTE), Buffer.from('old'));
    store.objects.set('notes.txt', Buffer.from('mine'));
    const s = service(3);
    expect(await s.snapshot()).toBe(true);
    expect(store.snapshots()).toEqual([snapshotName(clock.now() - 2 * MINUTE), snapshotName(clock.now() - MINUTE), snapshotName(clock.now())]);
    expect(store.objects.has('notes.txt')).toBe(true);
  });

  it('on stop: no more intervals, waits for the snapshot under way, takes a last one, once', async () => {
    const s = service();
    s.start();
    const under = s.snapshot();
    await s.stop();
    await under;
    await s.stop();
    expect(clock.pendingTimers()).toBe(0);
    expect(store.calls.filter((c) => c.startsWith('upload'))).toHaveLength(2);
    expect(logs.filter((l) => l.message === 'state snapshot uploaded').map((l) => l.fields.reason)).toEqual(['manual', 'shutdown']);
    await clock.advance(60 * MINUTE);
    expect(store.calls.filter((c) => c.startsWith('upload'))).toHaveLength(2);
  });

  it('stop gives up on a last snapshot the store never answers, after shutdownTimeoutMs', async () => {
    const s = new StateSnapshotService({
      store: {
        ...store,
        location: store.location,
        list: () => store.list(),
        upload: () => new Promise<void>(() => undefined),
        download: () => Promise.resolve(),
        delete: () => Promise.resolve(),
      },
      intervalMs: 10 * MINUTE,
      keep: 3,
      clock,
      logger: recordingLogger(logs),
      tempDir: dir,
      shutdownTimeoutMs: 5_000,
      backup: async (file) => writeFileSync(file, SQLITE),
    });
    s.start();
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await clock.advance(4_999);
    expect(stopped).toBe(false);
    await clock.advance(1);
    await stopping;
    expect(logs.at(-1)).toMatchObject({ level: 'warn', message: expect.stringMatching(/did not finish in time/), fields: { timeoutMs: 5_000 } });
  });

  it('a failed upload is logged with the store and the object and tried again at the next interval', async () => {
    const s = service();
    s.start();
    store.fail.upload = new Error('gcp: upload gs://bucket/demo/x failed: 503');
    await clock.advance(10 * MINUTE);
    await s.idle();
    expect(store.snapshots()).toEqual([]);
    const warn = logs.find((l) => l.level === 'warn');
    expect(warn?.message).toMatch(/could not upload it; trying again at the next interval/);
    expect(warn?.fields).toMatchObject({
      location: 'gs://bucket/demo/',
      object: 'controller-2026-11-29T18:10:00.000Z.db',
      error: expect.stringContaining('503'),
    });
    expect(readdirSync(dir)).toEqual([]);
    store.fail = {};
    await clock.advance(10 * MINUTE);
    await s.idle();
    expect(store.snapshots()).toEqual(['controller-2026-11-29T18:20:00.000Z.db']);
    await s.stop();
  });

  it('a failed backup, list or delete is logged and never throws', async () => {
    const s = service(1);
    backupError = new Error('disk I/O error');
    expect(await s.snapshot()).toBe(false);
    expect(logs.at(-1)).toMatchObject({ level: 'warn', message: expect.stringMatching(/could not copy the database/), fields: { error: 'disk I/O error' } });
    backupError = undefined;
    store.objects.set(snapshotName(clock.now() - MINUTE), Buffer.from('old'));
    store.fail.delete = new Error('403');
    expect(await s.snapshot()).toBe(true);
    expect(logs.at(-1)).toMatchObject({
      level: 'warn',
      message: 'could not delete an old state snapshot',
      fields: { object: snapshotName(clock.now() - MINUTE) },
    });
    store.fail = { list: new Error('503') };
    await clock.advance(1);
    expect(await s.snapshot()).toBe(true);
    expect(logs.at(-1)).toMatchObject({ level: 'warn', message: 'could not list the state snapshots to delete old ones' });
    // Retention catches up once the store answers again.
    store.fail = {};
    await clock.advance(1);
    expect(await s.snapshot()).toBe(true);
    expect(store.snapshots()).toEqual([snapshotName(clock.now())]);
  });
});

describe('restoreNewestSnapshot', () => {
  let dir: string;
  let store: FakeStore;
  let logs: LogLine[];
  let databaseFile: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iris-restore-'));
    store = new FakeStore();
    logs = [];
    databaseFile = join(dir, 'controller.db');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const restore = () => restoreNewestSnapshot({ store, databaseFile, logger: recordingLogger(logs) });

  it('puts the newest snapshot in place of a missing database and says which', async () => {
    store.objects.set('controller-2026-11-29T10:00:00.000Z.db', Buffer.concat([SQLITE, Buffer.from('older')]));
    store.objects.set('controller-2026-11-29T10:10:00.000Z.db', Buffer.concat([SQLITE, Buffer.from('newest')]));
    store.objects.set('controller-zzz.txt', Buffer.from('not a snapshot'));
    writeFileSync(`${databaseFile}-wal`, 'stale log of a lost database');
    expect(await restore()).toBe('controller-2026-11-29T10:10:00.000Z.db');
    expect(readFileSync(databaseFile).toString()).toContain('newest');
    expect(existsSync(`${databaseFile}-wal`)).toBe(false);
    expect(readdirSync(dir)).toEqual(['controller.db']);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: 'restored the state from a snapshot',
        fields: expect.objectContaining({ object: 'controller-2026-11-29T10:10:00.000Z.db' }),
      }),
    );
  });

  it('does nothing when the state dir has a database (the disk was reattached)', async () => {
    writeFileSync(databaseFile, 'live');
    store.objects.set('controller-2026-11-29T10:00:00.000Z.db', SQLITE);
    expect(await restore()).toBeUndefined();
    expect(store.calls).toEqual([]);
    expect(readFileSync(databaseFile, 'utf8')).toBe('live');
  });

  it('starts empty, with a warning, when the store has no snapshot', async () => {
    expect(await restore()).toBeUndefined();
    expect(existsSync(databaseFile)).toBe(false);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringMatching(/no state snapshot to restore/) }));
  });

  it('refuses to start empty when the store cannot be listed or the download fails', async () => {
    store.fail.list = new Error('gcp: list gs://bucket/demo/ failed: 403');
    const listed = await restore().catch((e: unknown) => e);
    expect(hasErrorCode(listed, STATE_RESTORE_FAILED)).toBe(true);
    expect((listed as Error).message).toMatch(
      /cannot list the state snapshots in gs:\/\/bucket\/demo\/: .*403.*roles\/storage\.objectAdmin.*remove state_bucket/,
    );

    store.fail = { download: new Error('socket hang up') };
    store.objects.set('controller-2026-11-29T10:00:00.000Z.db', SQLITE);
    const downloaded = await restore().catch((e: unknown) => e);
    expect(hasErrorCode(downloaded, STATE_RESTORE_FAILED)).toBe(true);
    expect((downloaded as Error).message).toContain(
      'cannot restore the state snapshot controller-2026-11-29T10:00:00.000Z.db in gs://bucket/demo/: socket hang up',
    );
    expect(readdirSync(dir)).toEqual([]);

    store.fail = {};
    store.objects.set('controller-2026-11-29T10:00:00.000Z.db', Buffer.from('<html>login page</html>'));
    const garbage = await restore().catch((e: unknown) => e);
    expect((garbage as Error).message).toMatch(/not an SQLite database/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('round trip with a real SQLite database: online backup, upload, restore', async () => {
    const live = new Database(join(dir, 'live.db'));
    live.pragma('journal_mode = WAL');
    live.exec("CREATE TABLE jobs (name TEXT); INSERT INTO jobs VALUES ('/e2e/tpu')");
    const s = new StateSnapshotService({
      store,
      intervalMs: MINUTE,
      keep: 10,
      clock: new FakeClock(),
      logger: recordingLogger(logs),
      tempDir: dir,
      backup: (file) => live.backup(file),
    });
    expect(await s.snapshot()).toBe(true);
    live.close();
    expect(await restore()).toBe(store.snapshots()[0]);
    const restored = new Database(databaseFile, { readonly: true });
    expect(restored.prepare('SELECT name FROM jobs').all()).toEqual([{ name: '/e2e/tpu' }]);
    restored.close();
  });
});
