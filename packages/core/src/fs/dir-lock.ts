import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { IrisError } from '../errors.js';

export const DIR_LOCKED_CODE = 'IRIS_DIR_LOCKED';
export const DIR_LOCK_FAILED_CODE = 'IRIS_DIR_LOCK_FAILED';

/** What a lock file holds: enough to tell a live holder from a dead one whose pid was reused. */
export interface DirLockOwner {
  pid: number;
  /** The holder's start time (clock ticks since boot, /proc/PID/stat field 22); absent off Linux. */
  start_time?: number;
  host: string;
  /** e.g. the controller's URL, once it listens. */
  address?: string;
  acquired_at_ms: number;
}

export interface DirLock {
  readonly file: string;
  /** Records more about the holder (its address) for whoever is refused next. */
  update(info: { address?: string }): void;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

export interface AcquireDirLockOptions {
  /** Folder the lock guards; the lock file lives in it. */
  dir: string;
  /** Lock file name, e.g. `controller.lock`. */
  name: string;
  /** Who holds it, for messages: `controller`, `worker`. */
  what: string;
  /** Appended to the refusal: what the user can do. */
  hint?: string;
  nowMs?: number;
}

/** Locks this process holds, by file: a second acquire from the same process is refused too. */
const heldHere = new Set<string>();

/**
 * Takes an exclusive lock on `dir` (an `O_EXCL` file holding pid, process start time, host and
 * address), held until `release()` or the process dies. A lock whose holder is dead — no such
 * process, a zombie, or a pid reused by a process started later — is taken over; a live holder's
 * lock is refused with an error naming its pid and address.
 */
export function acquireDirLock(options: AcquireDirLockOptions): DirLock {
  const file = join(options.dir, options.name);
  const me: DirLockOwner = { pid: process.pid, host: hostname(), acquired_at_ms: options.nowMs ?? Date.now() };
  const start = processStartTime(process.pid);
  if (start !== undefined) me.start_time = start;
  for (let round = 0; round < 5; round++) {
    if (tryCreate(file, me)) {
      heldHere.add(file);
      return handle(file, me);
    }
    const holder = readOwner(file);
    if (holder === 'missing') continue;
    if (holder !== 'unreadable' && (heldHere.has(file) || isAlive(holder))) {
      throw new IrisError(
        DIR_LOCKED_CODE,
        `${options.dir} is in use by another ${options.what} (pid ${holder.pid}${holder.host === me.host ? '' : ` on ${holder.host}`}` +
          `${holder.address ? `, serving at ${holder.address}` : ''}); lock file ${file}. ` +
          (options.hint ?? `Stop that ${options.what} first, or use another folder.`),
      );
    }
    takeOver(file, holder);
  }
  throw new IrisError(DIR_LOCK_FAILED_CODE, `cannot lock ${options.dir}: the lock file ${file} keeps changing; another process is starting there`);
}

function handle(file: string, me: DirLockOwner): DirLock {
  let released = false;
  return {
    file,
    update(info) {
      if (released) return;
      Object.assign(me, info);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(me)}\n`, { mode: 0o600 });
      renameSync(tmp, file);
    },
    release() {
      if (released) return;
      released = true;
      heldHere.delete(file);
      const holder = readOwner(file);
      if (typeof holder === 'object' && holder.pid === me.pid && holder.acquired_at_ms === me.acquired_at_ms) rmSync(file, { force: true });
    },
  };
}

function tryCreate(file: string, me: DirLockOwner): boolean {
  // Written to a private file first and linked into place: the lock never exists half-written.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.new`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(me)}\n`);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  } catch (err) {
    throw new IrisError(DIR_LOCK_FAILED_CODE, `cannot create the lock file ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    rmSync(tmp, { force: true });
  }
}

function readOwner(file: string): DirLockOwner | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new IrisError(DIR_LOCK_FAILED_CODE, `cannot read the lock file ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const owner = JSON.parse(text) as DirLockOwner;
    return Number.isInteger(owner.pid) && owner.pid > 0 ? owner : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/**
 * Removes a dead holder's lock. Renaming is atomic: of two processes taking over at once, one
 * renames the stale file and the other finds it gone (and a fresh lock, if any, is never touched
 * because its content no longer matches).
 */
function takeOver(file: string, stale: DirLockOwner | 'unreadable'): void {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new IrisError(DIR_LOCK_FAILED_CODE, `cannot take over the stale lock file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const moved = readOwner(aside);
  const same =
    stale === 'unreadable' ? moved === 'unreadable' : typeof moved === 'object' && moved.pid === stale.pid && moved.acquired_at_ms === stale.acquired_at_ms;
  if (!same) {
    // Someone else's fresh lock was moved: put it back (it wins; we retry and are refused).
    try {
      linkSync(aside, file);
    } catch {
      // A third process locked meanwhile; theirs stands.
    }
  }
  rmSync(aside, { force: true });
}

/** True when `owner` is a running process (not a zombie) started when the lock says. */
export function isAlive(owner: Pick<DirLockOwner, 'pid' | 'start_time' | 'host'>): boolean {
  if (owner.host !== hostname()) return true; // cannot tell; a shared folder from another machine
  const stat = readStat(owner.pid);
  if (stat === 'absent') return false;
  if (stat === 'unknown') {
    try {
      process.kill(owner.pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  // A zombie (Z) or dead (X) process holds nothing: its owner never reaped it, but it runs no code.
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return owner.start_time === undefined || owner.start_time === stat.startTime;
}

/** The start time of `pid` from /proc (Linux), in clock ticks since boot. */
export function processStartTime(pid: number): number | undefined {
  const stat = readStat(pid);
  return typeof stat === 'object' ? stat.startTime : undefined;
}

function readStat(pid: number): { state: string; startTime: number } | 'absent' | 'unknown' {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ESRCH') return 'unknown';
    try {
      readFileSync('/proc/self/stat');
      return 'absent';
    } catch {
      return 'unknown'; // no /proc here (macOS)
    }
  }
  // `pid (comm) state ...`: comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', startTime: Number(fields[19]) };
}
