import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { ControllerProcess, startWorkers, type WorkerProcess } from '../e2e/cluster-processes.js';

// The real controller and worker processes of a fault test, and what is left of them after it:
// stopped processes are resumed, workers stopped, the controller ended, temp folders removed.

/** The non-empty lines of `file`; none while it does not exist. */
export function lines(file: string): string[] {
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];
}

/** The process's state letter in /proc (T: stopped, Z: zombie), or undefined once it is gone. */
export function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0];
  } catch {
    return undefined;
  }
}

/** True while `pid` runs (a zombie waiting for its reaper counts as gone). */
export function alive(pid: number): boolean {
  const state = procState(pid);
  return state !== undefined && state !== 'Z';
}

function resume(pid: number | undefined): void {
  try {
    if (pid !== undefined) process.kill(pid, 'SIGCONT');
  } catch {
    // already gone
  }
}

export interface FaultProcesses {
  /** A new temp folder (`<prefix>XXXXXX`), removed after the test. */
  tempRoot(): string;
  /** Starts the test's controller; it is ended (SIGTERM) after the test. */
  startController(stateDir: string, options?: { workerTimeoutMs?: number }): Promise<ControllerProcess>;
  /** The controller the test started. */
  readonly controller: ControllerProcess;
  /** Starts workers in `<root>/<id>` and waits until the controller lists them; stopped after the test. */
  startWorkers(root: string, specs: Array<{ id: string }>): Promise<WorkerProcess[]>;
  /** Stops `worker` after the test. */
  track(worker: WorkerProcess): WorkerProcess;
}

/**
 * The processes of each test in this file, cleaned up after it. `beforeControllerStop` runs once the
 * workers are stopped, before the controller is ended (for processes the file starts itself).
 */
export function useFaultProcesses(prefix: string, beforeControllerStop?: () => Promise<void>): FaultProcesses {
  let controller: ControllerProcess | undefined;
  let workers: WorkerProcess[] = [];
  const roots: string[] = [];

  afterEach(async () => {
    for (const w of workers) resume(w.proc.pid);
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
    await beforeControllerStop?.();
    if (controller) {
      resume(controller.proc.pid);
      await controller.kill('SIGTERM');
    }
    controller = undefined;
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  return {
    tempRoot() {
      const r = mkdtempSync(join(tmpdir(), prefix));
      roots.push(r);
      return r;
    },
    async startController(stateDir, options = {}) {
      controller = await ControllerProcess.start(stateDir, options);
      return controller;
    },
    get controller(): ControllerProcess {
      if (controller === undefined) throw new Error('no controller started in this test');
      return controller;
    },
    async startWorkers(root, specs) {
      const started = await startWorkers(this.controller, root, specs);
      workers.push(...started);
      return started;
    },
    track(worker) {
      workers.push(worker);
      return worker;
    },
  };
}
