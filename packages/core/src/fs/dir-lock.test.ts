import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '../errors.js';
import { acquireDirLock, DIR_LOCKED_CODE, isAlive, processStartTime } from './dir-lock.js';

const linux = existsSync('/proc/self/stat');

async function until(check: () => boolean, what: string, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function procState(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

describe('acquireDirLock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iris-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is exclusive: a second holder is refused with the first one pid and address', () => {
    const lock = acquireDirLock({ dir, name: 'x.lock', what: 'controller' });
    lock.update({ address: 'http://127.0.0.1:1234' });
    let refused: unknown;
    try {
      acquireDirLock({ dir, name: 'x.lock', what: 'controller' });
    } catch (err) {
      refused = err;
    }
    expect(hasErrorCode(refused, DIR_LOCKED_CODE)).toBe(true);
    expect((refused as Error).message).toContain(`pid ${process.pid}`);
    expect((refused as Error).message).toContain('http://127.0.0.1:1234');
    lock.release();
    expect(existsSync(join(dir, 'x.lock'))).toBe(false);
    acquireDirLock({ dir, name: 'x.lock', what: 'controller' }).release();
  });

  it('takes over the lock of a process that has exited', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    writeFileSync(join(dir, 'x.lock'), JSON.stringify({ pid, host: hostname(), acquired_at_ms: 1 }));
    const lock = acquireDirLock({ dir, name: 'x.lock', what: 'worker' });
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock whose pid now belongs to a process started later (pid reuse)', () => {
    if (!linux) return;
    const start = processStartTime(process.pid)!;
    writeFileSync(join(dir, 'x.lock'), JSON.stringify({ pid: process.ppid, start_time: start - 1, host: hostname(), acquired_at_ms: 1 }));
    // ppid's start time differs from the recorded one, so the recorded holder is gone.
    expect(isAlive({ pid: process.ppid, start_time: start - 1, host: hostname() })).toBe(processStartTime(process.ppid) === start - 1);
    acquireDirLock({ dir, name: 'x.lock', what: 'worker' }).release();
  });

  it.skipIf(!linux)('counts a zombie holder as dead (a restarted controller must not refuse its own state dir)', async () => {
    // `sleep` never reaps the backgrounded child, so the child stays a zombie once it exits.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
      await until(() => procState(pid) === 'Z', `pid ${pid} to become a zombie`);
      const start = processStartTime(pid);
      writeFileSync(join(dir, 'x.lock'), JSON.stringify({ pid, start_time: start, host: hostname(), acquired_at_ms: 1 }));
      expect(isAlive({ pid, start_time: start, host: hostname() })).toBe(false);
      const lock = acquireDirLock({ dir, name: 'x.lock', what: 'controller' });
      expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
      lock.release();
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('refuses while a live process in another program holds it', async () => {
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await until(() => holder.pid !== undefined && (!linux || procState(holder.pid) !== undefined), 'sleep to start');
      const pid = holder.pid!;
      writeFileSync(
        join(dir, 'x.lock'),
        JSON.stringify({ pid, start_time: processStartTime(pid), host: hostname(), acquired_at_ms: 1, address: 'http://a:1' }),
      );
      expect(() => acquireDirLock({ dir, name: 'x.lock', what: 'controller' })).toThrow(new RegExp(`pid ${pid}, serving at http://a:1`));
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('takes over an unreadable (half-written) lock file', () => {
    writeFileSync(join(dir, 'x.lock'), 'garbage');
    acquireDirLock({ dir, name: 'x.lock', what: 'worker' }).release();
  });
});
