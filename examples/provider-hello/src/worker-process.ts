import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '@iris/core';

/** Alive, and (where /proc exists) still our worker: a recycled pid must not pass for it. */
export function isWorkerAlive(pid: number, vmId: string): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.length > 0 && cmdline.includes(vmId);
  } catch {
    return true;
  }
}

export interface WorkerLaunch {
  command: readonly string[];
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  dir: string;
}

/** Starts a detached worker (its own process group), logging to worker.log in its folder. */
export function spawnWorker(launch: WorkerLaunch): number | undefined {
  mkdirSync(launch.dir, { recursive: true });
  const log = openSync(join(launch.dir, 'worker.log'), 'a');
  try {
    const [program, ...prefix] = launch.command;
    const child = spawn(program as string, [...prefix, ...launch.args], {
      cwd: launch.dir,
      detached: true,
      stdio: ['ignore', log, log],
      // Secrets (the controller token) travel in the environment, never in argv where ps shows them.
      env: { ...process.env, ...launch.env },
    });
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  }
}

/** SIGTERM the worker's process group; SIGKILL after `graceMs`. Resolves when it is gone. */
export async function stopWorker(pid: number, vmId: string, graceMs: number, clock: Clock): Promise<void> {
  if (!isWorkerAlive(pid, vmId)) return;
  signal(pid, 'SIGTERM');
  for (let waited = 0; waited < graceMs; waited += 25) {
    await clock.sleep(25);
    if (!isWorkerAlive(pid, vmId)) return;
  }
  signal(pid, 'SIGKILL');
  for (let i = 0; i < 40 && isWorkerAlive(pid, vmId); i++) await clock.sleep(25);
}
