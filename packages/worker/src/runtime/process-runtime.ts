import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IrisError, type Clock } from '@iris/core';
import { killCgroup, makeAttemptCgroup, removeCgroup, removeEmptyDir } from './cgroup.js';
import { allocatePorts } from './ports.js';
import { SupervisedChild } from './supervised-child.js';
import { SUPERVISOR_MAIN } from './supervisor-path.js';
import { attemptEnv, type AttemptContext, type AttemptExit, type AttemptLaunch, type LogSink, type RunningAttempt, type TaskRuntime } from './types.js';

export const ATTEMPT_START_FAILED = 'IRIS_WORKER_ATTEMPT_START_FAILED';

/** Variables of the worker's own environment a task must never see. */
const WITHHELD_ENV = ['IRIS_TOKEN', 'IRIS_JOIN_TOKEN'];

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
  /**
   * The worker's cgroup (v2) dir, when attempts can run in cgroups (see `workerCgroups`): each
   * attempt then runs in a cgroup of its own under it, so a SIGKILL of the attempt also reaches
   * what left its process group (setsid). Absent: process groups alone.
   */
  cgroupDir?: string;
}

/** What `ProcessRuntime.startSupervised` runs for one attempt, and how it is stopped. */
export interface SupervisedPlan {
  /** The supervisor's child, leader of the attempt's process group: the task's command, or the docker CLI. */
  argv: readonly string[];
  /** Its environment; never the worker's credentials (see `withoutCredentials`). */
  env: Record<string, string>;
  /** Host ports allocated for the attempt. */
  ports: Readonly<Record<string, number>>;
  /** How a kill or timeout reaches the attempt; by default a signal to its process group. */
  signal?(signal: NodeJS.Signals): void;
  /**
   * What the supervisor also runs when it fences the attempt (the worker died or stopped renewing
   * its lease), for a task that lives outside the group (a container: `docker kill`).
   */
  fenceExec?: readonly string[];
  /** The program is the docker CLI: its 128+N exit means the container died of signal N. */
  dockerExit?: boolean;
}

/** `env` without the variables a task must never see. */
export function withoutCredentials(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !WITHHELD_ENV.includes(k)) out[k] = v;
  return out;
}

/**
 * Runs each attempt as a child process leading its own process group, so a kill reaches
 * everything the task started (shells, pipelines, forked workers); with `cgroupDir`, also in a
 * cgroup of its own, which a descendant cannot leave as it can leave the group (setsid).
 */
export class ProcessRuntime implements TaskRuntime {
  /** Each running attempt's supervisor stdin: renewing writes a byte, closing it kills the attempt. */
  private readonly lifelines = new Set<Writable>();

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
    const env = withoutCredentials(this.options.baseEnv ?? process.env);
    Object.assign(env, attemptEnv(launch, context, ports));
    return this.startSupervised(launch, { argv: [program, ...args], env, ports }, sink);
  }

  /**
   * Runs `plan.argv` for one attempt under a supervisor (supervisor-main.ts): it leads the
   * attempt's process group, dies with this worker's lifeline or lease, and records the end in
   * the attempt's exit file. The docker runtime runs the docker CLI this way.
   */
  async startSupervised(launch: AttemptLaunch, plan: SupervisedPlan, sink: LogSink): Promise<RunningAttempt> {
    const s = launch.start;
    const [program, ...args] = plan.argv;
    if (program === undefined) throw new IrisError(ATTEMPT_START_FAILED, `task ${s.task_id} attempt ${s.attempt}: nothing to run`);
    const { env, ports } = plan;
    // The supervisor leads nothing: it starts the task as its own group's leader, kills that group
    // if this worker dies (stdin is our lifeline) and records the end in exitFile.
    const exitFile = launch.exitFile ?? join(tmpdir(), `iris-exit-${randomBytes(8).toString('hex')}`);
    // Quietly none when it cannot be made: the process group still holds the attempt.
    const cgroup = this.options.cgroupDir ? makeAttemptCgroup(this.options.cgroupDir, s.task_id, s.attempt) : undefined;
    // The end report needs the durable exit file: its removal tells the reporter the worker told the controller.
    const endReport = launch.exitFile !== undefined ? launch.endReport : undefined;
    const supervisorArgs = [
      SUPERVISOR_MAIN,
      exitFile,
      String(launch.leaseMs ?? 0),
      ...(endReport ? ['--end-report'] : []),
      ...(plan.fenceExec ? ['--fence-exec', JSON.stringify(plan.fenceExec)] : []),
      ...(plan.dockerExit ? ['--docker-exit'] : []),
      ...(cgroup ? ['--cgroup', cgroup] : []),
      '--',
      program,
      ...args,
    ];
    const child = spawn(process.execPath, supervisorArgs, {
      cwd: launch.workDir,
      env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', endReport ? 'pipe' : 'ignore'],
    });
    if (endReport) {
      // fd 4, not the environment: the task (which inherits the supervisor's env) never sees the credential.
      const settings = {
        url: endReport.url,
        ...(endReport.token === undefined ? {} : { token: endReport.token }),
        task_id: s.task_id,
        attempt: s.attempt,
        grace_ms: endReport.graceMs,
        give_up_ms: endReport.giveUpMs,
      };
      const channel = child.stdio[4] as Writable | null;
      channel?.on('error', () => undefined);
      channel?.end(JSON.stringify(settings));
    }
    const control = new SupervisorChannel(child);
    let pid: number;
    try {
      pid = await control.started;
    } catch (err) {
      child.kill('SIGKILL');
      if (cgroup) void this.removeAttemptCgroup(cgroup);
      throw new IrisError(
        ATTEMPT_START_FAILED,
        `task ${s.task_id} attempt ${s.attempt}: cannot start "${program}" in ${launch.workDir}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const pidFile = this.writePidFile(launch, pid);
    const signalGroup = (sig: NodeJS.Signals): void => {
      // A SIGKILL reaches the whole cgroup too: what left the group with setsid included.
      if (sig === 'SIGKILL' && cgroup) killCgroup(cgroup);
      try {
        process.kill(-pid, sig);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const lifeline = child.stdin!;
    lifeline.on('error', () => undefined); // EPIPE once the supervisor is gone
    this.lifelines.add(lifeline);
    const supervised = new SupervisedChild({
      child,
      ports,
      sink,
      clock: this.options.clock,
      killGraceMs: this.options.killGraceMs,
      timeoutMs: s.timeout_ms,
      signal: plan.signal ?? signalGroup,
      // Stopped by the worker (a kill, a timeout): its end is the worker's to report, not the supervisor's.
      ...(endReport ? { onStop: () => markStopped(exitFile) } : {}),
      afterExit: () => {
        // Descendants still in the group (a backgrounded process) must not outlive the attempt.
        signalGroup('SIGKILL');
        if (pidFile) rmSync(pidFile, { force: true });
        // The supervisor removes it too; this covers a supervisor that was killed.
        if (cgroup) void this.removeAttemptCgroup(cgroup);
      },
      // The supervisor exits 0 once it has recorded the task's own status: report that one.
      mapExit: (code, sig) => {
        const recorded = control.exit ?? readExitFile(exitFile);
        if (!launch.exitFile) rmSync(exitFile, { force: true });
        return recorded ?? { code, signal: sig };
      },
    });
    const fenced = (exit: AttemptExit): AttemptExit => {
      this.lifelines.delete(lifeline);
      if (!control.exit?.lease_expired) return exit;
      return { ...exit, fenced: true, error: 'killed by its supervisor: the worker stopped renewing the lease (lost the controller, or hung)' };
    };
    const exited = supervised.exited.then(fenced);
    return { ports, exited, kill: (reason, options) => supervised.kill(reason, options).then(() => exited) };
  }

  /** Removes an attempt's cgroup, then the worker's dir if that was its last (made again on demand). */
  private async removeAttemptCgroup(cgroup: string): Promise<void> {
    await removeCgroup(cgroup);
    if (this.options.cgroupDir) removeEmptyDir(this.options.cgroupDir);
  }

  renewLeases(): void {
    for (const lifeline of this.lifelines) if (lifeline.writable) lifeline.write('\n');
  }

  private writePidFile(launch: AttemptLaunch, pid: number): string | undefined {
    if (!this.options.pidDir) return undefined;
    const file = join(this.options.pidDir, `${encodeURIComponent(launch.start.task_id)}.${launch.start.attempt}.pid`);
    writeFileSync(file, String(pid));
    return file;
  }
}

/** `<exitFile>.stop`: the worker stops this attempt itself, so its supervisor reports no end. */
export function stopMarkerOf(exitFile: string): string {
  return `${exitFile}.stop`;
}

function markStopped(exitFile: string): void {
  try {
    writeFileSync(stopMarkerOf(exitFile), '');
  } catch {
    // The attempts dir is gone or full: the worker still reports the end itself.
  }
}

/** What the supervisor recorded in an exit file, or undefined when there is none (or it is unreadable). */
export function readExitFile(
  file: string,
): { code: number | null; signal: NodeJS.Signals | null; lifeline_lost?: boolean; lease_expired?: boolean } | undefined {
  try {
    const exit = JSON.parse(readFileSync(file, 'utf8')) as {
      code: number | null;
      signal: NodeJS.Signals | null;
      lifeline_lost?: boolean;
      lease_expired?: boolean;
    };
    return typeof exit === 'object' && exit !== null ? exit : undefined;
  } catch {
    return undefined;
  }
}

/** The supervisor's fd 3: the task's pid once it runs, then its exit status. */
class SupervisorChannel {
  readonly started: Promise<number>;
  exit: { code: number | null; signal: NodeJS.Signals | null; lease_expired?: boolean } | undefined;

  constructor(child: ChildProcess) {
    const channel = child.stdio[3] as Readable | null | undefined;
    this.started = new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      if (!channel) return reject(new Error('no control channel to the supervisor'));
      // 'exit' can be emitted before the pipe's last lines are read: a task that ends at once would
      // look as if it never started. Judge only once the channel has been read to its end (or, should a
      // descendant still hold it open, a few seconds after the supervisor exited).
      let channelEnded = false;
      const notStarted = (): void => reject(new Error(`the supervisor exited (${child.exitCode ?? child.signalCode}) before the task started`));
      channel.once('close', () => {
        channelEnded = true;
        if (child.exitCode !== null || child.signalCode !== null) notStarted();
      });
      child.once('exit', () => {
        if (channelEnded) return notStarted();
        const grace = setTimeout(notStarted, 5_000);
        grace.unref();
        channel.once('close', () => clearTimeout(grace));
      });
      createInterface({ input: channel }).on('line', (line) => {
        let message: { pid?: number; error?: string; exit?: { code: number | null; signal: NodeJS.Signals | null; lease_expired?: boolean } };
        try {
          message = JSON.parse(line) as typeof message;
        } catch {
          return;
        }
        if (typeof message.pid === 'number') resolve(message.pid);
        else if (message.error !== undefined) reject(new Error(message.error));
        else if (message.exit) this.exit = message.exit;
      });
    });
    this.started.catch(() => undefined);
  }
}
