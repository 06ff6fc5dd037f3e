import Database from 'better-sqlite3';
import { IrisError } from '@iris/core';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating when missing) the controller database with WAL and synchronous=NORMAL: a commit
 * survives a process kill, and only an OS crash may lose the last few transactions.
 */
export function openDatabase(file: string, nowMs: () => number, migrations: readonly Migration[] = MIGRATIONS): SqliteDatabase {
  let db: SqliteDatabase | undefined;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations, nowMs, file);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof IrisError) throw err;
    const code = String((err as { code?: unknown }).code ?? '');
    const hint =
      code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')
        ? 'the file is damaged; restore it from a backup, or move it away to start with an empty state'
        : code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN'
          ? 'check that the folder is writable'
          : code === 'SQLITE_FULL'
            ? 'the disk is full; free space'
            : 'check the file and its folder';
    throw new IrisError('IRIS_STATE_OPEN_FAILED', `cannot open the controller database ${file}: ${(err as Error).message}; ${hint}`, { cause: err });
  }
}

/** Applies every migration newer than the recorded schema version, each in its own transaction. */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[], nowMs: () => number, file = 'database'): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  const current = row.v ?? 0;
  const known = migrations.at(-1)?.version ?? 0;
  if (current > known) {
    throw new IrisError('IRIS_STATE_TOO_NEW', `${file} has schema version ${current}, newer than this controller knows (${known}); run a newer controller`);
  }
  const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, nowMs());
    })();
  }
  return known;
}

export function schemaVersion(db: SqliteDatabase): number {
  return (db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
}
