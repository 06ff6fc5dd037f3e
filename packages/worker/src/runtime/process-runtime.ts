import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IrisError, type Clock } from '@iris/core';
import { allocatePorts } from './ports.js';
import { SupervisedChild } from './supervised-child.js';
import {
  attemptEnv,
  type AttemptContext,
  type AttemptLaunch,
  type LogSink,
  type RunningAttempt,
  type TaskRuntime,
} from './types.js';

export const ATTEMPT_START_FAILED = 'IRIS_WORKER_ATTEMPT_START_FAILED';

/** Variables of the worker's own environment a task must never see. */
const WITHHELD_ENV = ['IRIS_TOKEN'];

export interface ProcessRuntimeOptions {
  clock: Clock;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /** The environment tasks inherit (minus secrets); defaults to the worker's. */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * Where each live attempt's process-group id is written, so a worker restarted after a crash
   * can end the attempts its previous life left behind (see `reapOrphans`).
   */
  pidDir?: string;
}

/**
 * Runs each attempt as a child process leading its own process group, so a kill reaches
 * everything the task started (shells, pipelines, forked workers).
 */
export class ProcessRuntime implements TaskRuntime {
  constructor(private readonly options: ProcessRuntimeOptions) {
    if (options.pidDir) mkdirSync(options.pidDir, { recursive: true });
  }

  async start(launch: AttemptLaunch, context: AttemptContext, sink: LogSink): Promise<RunningAttempt> {
    const s = launch.start;
    const [program, ...args] = s.command;
    if (program === undefined) {
      throw new IrisError(ATTEMPT_START_FAILED, `task ${s.task_id} attempt ${s.attempt}: the job's command is empty`);
    }
    const ports = await allocatePorts(s.ports);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.options.baseEnv ?? process.env)) {
      if (v !== undefined && !WITHHELD_ENV.includes(k)) env[k] = v;
    }
    Object.assign(env, attemptEnv(launch, context, ports));

    const child = spawn(program, args, { cwd: launch.workDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) =>
        reject(
          new IrisError(
            ATTEMPT_START_FAILED,
            `task ${s.task_id} attempt ${s.attempt}: cannot start "${program}" in ${launch.workDir}: ${err.message}`,
            { cause: err },
          ),
        ),
      );
    });
    const pidFile = this.writePidFile(launch, child);
    const pid = child.pid;
    return new SupervisedChild({
      child,
      ports,
      sink,
      clock: this.options.clock,
      killGraceMs: this.options.killGraceMs,
      timeoutMs: s.timeout_ms,
      signal: (sig) => {
        if (pid === undefined) return;
        try {
          process.kill(-pid, sig);
        } catch {
          // ESRCH: the group is already gone.
        }
      },
      afterExit: (signal) => {
        // Descendants still in the group (a backgrounded process) must not outlive the attempt.
        signal('SIGKILL');
        if (pidFile) rmSync(pidFile, { force: true });
      },
    });
  }

  private writePidFile(launch: AttemptLaunch, child: ChildProcess): string | undefined {
    if (!this.options.pidDir || child.pid === undefined) return undefined;
    const file = join(this.options.pidDir, `${encodeURIComponent(launch.start.task_id)}.${launch.start.attempt}.pid`);
    writeFileSync(file, String(child.pid));
    return file;
  }
}
