import { closeSync, existsSync, linkSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { IrisError, type Clock, type Logger, type StateSnapshotStore, type TimerHandle } from '@iris/core';

/** The controller's state dir has no database and the snapshot store cannot be read. */
export const STATE_RESTORE_FAILED = 'IRIS_STATE_RESTORE_FAILED';

const SNAPSHOT_NAME = /^controller-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\.db$/;
const SQLITE_HEADER = 'SQLite format 3\0';

/** `controller-<ISO time>.db`: names sort as the times they were taken. */
export function snapshotName(nowMs: number): string {
  return `controller-${new Date(nowMs).toISOString()}.db`;
}

/** The snapshots among a store's objects, oldest first. */
async function listSnapshots(store: StateSnapshotStore): Promise<string[]> {
  return (await store.list())
    .map((o) => o.name)
    .filter((n) => SNAPSHOT_NAME.test(n))
    .sort();
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isSqliteFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(SQLITE_HEADER.length);
    return readSync(fd, header, 0, header.length, 0) === header.length && header.toString('latin1') === SQLITE_HEADER;
  } finally {
    closeSync(fd);
  }
}

export interface RestoreOptions {
  store: StateSnapshotStore;
  /** The database file the controller is about to open. */
  databaseFile: string;
  logger: Logger;
}

/**
 * Before the controller opens its database: when the state dir has none (a new disk), puts the
 * newest snapshot in its place and answers that snapshot's name. An empty store means a new
 * cluster: it starts empty. A store that cannot be read is an error, never an empty start: the
 * empty database would be snapshotted in turn, and retention would then delete the history.
 */
export async function restoreNewestSnapshot(options: RestoreOptions): Promise<string | undefined> {
  const { store, databaseFile, logger } = options;
  if (existsSync(databaseFile)) return undefined;
  const refuse = (what: string, err: unknown): IrisError =>
    new IrisError(
      STATE_RESTORE_FAILED,
      `${what} in ${store.location}: ${message(err)}. The state dir ${dirname(databaseFile)} has no database, and starting empty would lose the cluster's job history; ` +
        "give the controller's service account access to the bucket (roles/storage.objectAdmin) and start again, or remove state_bucket from controller.provider to start with no history",
      { cause: err },
    );
  let names: string[];
  try {
    names = await listSnapshots(store);
  } catch (err) {
    throw refuse('cannot list the state snapshots', err);
  }
  const newest = names.at(-1);
  if (newest === undefined) {
    logger.warn('no state snapshot to restore: the controller starts with an empty state', { location: store.location });
    return undefined;
  }
  const partial = `${databaseFile}.restore-${process.pid}`;
  try {
    await store.download(newest, partial);
    if (!isSqliteFile(partial)) throw new Error('the object is not an SQLite database');
    // A write-ahead log left without its database would be replayed onto the restored one.
    for (const leftover of [`${databaseFile}-wal`, `${databaseFile}-shm`]) rmSync(leftover, { force: true });
    // link, not rename: never replaces a database another controller created meanwhile.
    linkSync(partial, databaseFile);
  } catch (err) {
    throw refuse(`cannot restore the state snapshot ${newest}`, err);
  } finally {
    rmSync(partial, { force: true });
  }
  logger.info('restored the state from a snapshot', { location: store.location, object: newest, bytes: statSync(databaseFile).size });
  return newest;
}

export interface StateSnapshotServiceOptions {
  store: StateSnapshotStore;
  intervalMs: number;
  keep: number;
  clock: Clock;
  logger: Logger;
  /** Writes a consistent copy of the live database to `file` (SQLite online backup). */
  backup: (file: string) => Promise<unknown>;
  /** Where the copy is written before the upload (the state dir: same disk, no size surprise). */
  tempDir: string;
  /** How long stop() waits for the last snapshot (default 30 s): a hung store must not hold the shutdown. */
  shutdownTimeoutMs?: number;
}

const SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * Snapshots the controller's database to a provider's object store every `intervalMs` and once
 * more on stop, keeping the newest `keep`. A failure is logged with the store and the object and
 * tried again at the next interval: it never stops the controller.
 */
export class StateSnapshotService {
  private timer: TimerHandle | undefined;
  private running: Promise<boolean> | undefined;
  private stopped = false;
  private seq = 0;

  constructor(private readonly options: StateSnapshotServiceOptions) {}

  start(): void {
    if (this.timer || this.stopped) return;
    // Copies a killed controller left half-written.
    for (const f of readdirSync(this.options.tempDir)) if (/^\.snapshot-\d+-\d+\.db$/.test(f)) rmSync(join(this.options.tempDir, f), { force: true });
    this.timer = this.options.clock.setInterval(() => void this.snapshot('interval'), this.options.intervalMs);
  }

  /** Takes one snapshot now (or joins the one under way); true when it was uploaded. Never throws. */
  snapshot(reason: 'interval' | 'shutdown' | 'manual' = 'manual'): Promise<boolean> {
    this.running ??= this.take(reason).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves once no snapshot is under way. */
  async idle(): Promise<void> {
    await this.running;
  }

  /** Stops the interval, waits for a snapshot under way, then takes the last one (for at most shutdownTimeoutMs). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    const last = (async () => {
      await this.running;
      await this.snapshot('shutdown');
    })();
    const timeoutMs = this.options.shutdownTimeoutMs ?? SHUTDOWN_TIMEOUT_MS;
    let deadline: TimerHandle | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      deadline = this.options.clock.setTimeout(() => resolve(true), timeoutMs);
    });
    const gaveUp = await Promise.race([last.then(() => false), timedOut]);
    deadline?.cancel();
    if (gaveUp) {
      this.options.logger.warn('the last state snapshot did not finish in time; stopping without it', {
        location: this.options.store.location,
        timeoutMs,
      });
    }
  }

  private async take(reason: string): Promise<boolean> {
    const { store, logger, clock } = this.options;
    const object = snapshotName(clock.now());
    const file = join(this.options.tempDir, `.snapshot-${process.pid}-${++this.seq}.db`);
    const fields = { location: store.location, object, reason };
    try {
      try {
        await this.options.backup(file);
      } catch (err) {
        logger.warn('state snapshot failed: could not copy the database; trying again at the next interval', { ...fields, error: message(err) });
        return false;
      }
      const bytes = statSync(file).size;
      try {
        await store.upload(file, object);
      } catch (err) {
        logger.warn('state snapshot failed: could not upload it; trying again at the next interval', { ...fields, bytes, error: message(err) });
        return false;
      }
      logger.info('state snapshot uploaded', { ...fields, bytes });
    } finally {
      rmSync(file, { force: true });
    }
    await this.prune();
    return true;
  }

  /** Deletes all but the newest `keep` snapshots; a failure is logged and retried after the next snapshot. */
  private async prune(): Promise<void> {
    const { store, logger, keep } = this.options;
    let names: string[];
    try {
      names = await listSnapshots(store);
    } catch (err) {
      logger.warn('could not list the state snapshots to delete old ones', { location: store.location, error: message(err) });
      return;
    }
    for (const object of names.slice(0, Math.max(0, names.length - keep))) {
      try {
        await store.delete(object);
      } catch (err) {
        logger.warn('could not delete an old state snapshot', { location: store.location, object, error: message(err) });
      }
    }
  }
}
