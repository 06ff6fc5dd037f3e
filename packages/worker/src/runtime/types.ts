import type { AttemptStart, LogStream } from '@iris/core/api';

/** Who runs the attempt: fixed per worker, exported to the task's environment. */
export interface AttemptContext {
  workerId: string;
  /** The controller URL tasks use to submit child jobs or look up endpoints. */
  controllerUrl: string;
}

/** An attempt to launch: what the controller asked for plus where its files are. */
export interface AttemptLaunch {
  start: AttemptStart;
  /** The unpacked bundle (or an empty scratch dir when the job has none); the task's cwd. */
  workDir: string;
  /** Where the task leaves files to keep ($IRIS_OUTPUT_DIR); uploaded when the attempt ends. */
  outputDir?: string;
  /**
   * Where the attempt's end is recorded the moment it happens ({code, signal, lifeline_lost}), so it
   * survives a worker that dies before reporting it. The process runtime writes it; kept until the
   * worker removes it.
   */
  exitFile?: string;
  /**
   * The attempt is killed unless the worker renews its lease (TaskRuntime.renewLeases) at least
   * this often; absent: no lease.
   */
  leaseMs?: number;
  /**
   * The supervisor reports a successful end straight to the controller when the worker has not
   * reported it within `graceMs` (the worker is frozen or dead): needs `exitFile`, whose removal
   * tells the supervisor the worker did. Absent: only the worker reports.
   */
  endReport?: AttemptEndReport;
}

/**
 * What a supervisor needs to report its attempt's end itself. Handed over a pipe of its own, never
 * through the task's environment or command line: the task must not see the worker's credential.
 */
export interface AttemptEndReport {
  /** The full URL of the controller's reportAttemptEnd route for this worker. */
  url: string;
  /** The worker's own credential (a bearer token); absent when the controller needs none. */
  token: string | undefined;
  /** How long the worker has to report the end itself before the supervisor does. */
  graceMs: number;
  /** When the supervisor stops trying (the worker reports the recorded end when it comes back). */
  giveUpMs: number;
}

/** How an attempt ended. */
export interface AttemptExit {
  /** The exit code, or undefined when the process ended by a signal or never started. */
  exitCode: number | undefined;
  /** e.g. `SIGKILL`, when the process ended by a signal. */
  signal: string | undefined;
  /** True when the worker ended it because its timeout passed. */
  timedOut: boolean;
  /** True when the worker ended it because it was asked to (kill, shutdown). */
  killed: boolean;
  /** A human-readable reason when it did not exit 0 on its own. */
  error: string | undefined;
  /** True when the attempt was killed because the worker stopped renewing its lease (fenced). */
  fenced?: boolean;
}

export type LogSink = (stream: LogStream, line: string) => void;

/** A started attempt. */
export interface RunningAttempt {
  /** Host ports allocated for the job's named ports. */
  readonly ports: Readonly<Record<string, number>>;
  /** Settles once the attempt has ended and its output is flushed to the sink. */
  readonly exited: Promise<AttemptExit>;
  /**
   * SIGTERM, then SIGKILL after the grace period (at once with `immediate`: a fenced attempt must
   * be dead before the controller may start it elsewhere); resolves with the exit. Idempotent.
   */
  kill(reason: string, options?: { immediate?: boolean }): Promise<AttemptExit>;
}

/** Runs attempts: child processes (ProcessRuntime) or containers (DockerRuntime). */
export interface TaskRuntime {
  /** Rejects when the attempt cannot start at all (e.g. the program does not exist). */
  start(launch: AttemptLaunch, context: AttemptContext, sink: LogSink): Promise<RunningAttempt>;
  /** Renews the lease of every running attempt (runtimes without leases omit it). */
  renewLeases?(): void;
}

/** The environment every attempt receives, on top of the job's own env. */
export function attemptEnv(launch: AttemptLaunch, context: AttemptContext, ports: Readonly<Record<string, number>>): Record<string, string> {
  const s = launch.start;
  const env: Record<string, string> = {
    ...s.env,
    IRIS_JOB: s.job,
    IRIS_TASK_INDEX: String(s.task_index),
    IRIS_NUM_TASKS: String(s.num_tasks),
    IRIS_TASK_ID: s.task_id,
    IRIS_ATTEMPT: String(s.attempt),
    IRIS_WORKER_ID: context.workerId,
    IRIS_CONTROLLER: context.controllerUrl,
    // Child jobs submitted from inside the task inherit the parent's env through this.
    IRIS_JOB_ENV: JSON.stringify(s.env),
  };
  // The attempt's own credential: `iris job run` inside the task submits children of IRIS_JOB with it.
  if (s.task_token !== undefined) env['IRIS_TASK_TOKEN'] = s.task_token;
  if (launch.outputDir !== undefined) env['IRIS_OUTPUT_DIR'] = launch.outputDir;
  for (const [name, port] of Object.entries(ports)) env[`IRIS_PORT_${portEnvName(name)}`] = String(port);
  return env;
}

/** `http-api` → `HTTP_API`: env names allow only letters, digits and underscores. */
export function portEnvName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}
