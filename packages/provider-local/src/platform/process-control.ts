import { readFileSync } from 'node:fs';
import type { Clock } from '@iris/core';

/**
 * True when `pid` is alive and, where /proc exists, its command line still carries `marker` — a
 * recycled pid that now belongs to another program must not be mistaken for our worker.
 */
export function isOurProcessAlive(pid: number, marker: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive but not ours to signal — certainly not a worker we started.
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.length === 0) return false; // a zombie
    return cmdline.includes(marker);
  } catch {
    return true; // no /proc (macOS): trust the signal probe
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Workers are spawned detached, so each leads its own process group: its task processes go too.
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * SIGTERM the process group, wait up to `graceMs` for it to exit, then SIGKILL. Resolves once the
 * process is gone (or after the SIGKILL when it cannot be observed).
 */
export async function stopProcessGroup(pid: number, marker: string, graceMs: number, clock: Clock): Promise<void> {
  if (!isOurProcessAlive(pid, marker)) return;
  signalGroup(pid, 'SIGTERM');
  const pollMs = 25;
  for (let waited = 0; waited < graceMs; waited += pollMs) {
    await clock.sleep(pollMs);
    if (!isOurProcessAlive(pid, marker)) return;
  }
  signalGroup(pid, 'SIGKILL');
  for (let i = 0; i < 40 && isOurProcessAlive(pid, marker); i++) await clock.sleep(pollMs);
}
