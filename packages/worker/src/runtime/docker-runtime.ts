import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { IrisError, type Clock } from '@iris/core';
import { containerName, dockerExitStatus, dockerRunArgs, MANAGED_LABEL } from './docker-args.js';
import { allocatePorts } from './ports.js';
import { ATTEMPT_START_FAILED, ProcessRuntime, withoutCredentials } from './process-runtime.js';
import { attemptEnv, type AttemptContext, type AttemptLaunch, type LogSink, type RunningAttempt, type TaskRuntime } from './types.js';

export { dockerExitStatus };

export interface DockerRuntimeOptions {
  clock: Clock;
  killGraceMs: number;
  image: string;
  /** The docker CLI; `docker` from PATH by default. */
  dockerBinary?: string;
  /** The host's accelerator, from the env probe. */
  accelerator: { type: string; devices: readonly string[] };
  /** The worker's environment; TPU_* variables are passed through to TPU tasks. */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  /** Where each live attempt's docker CLI process group is recorded (see ProcessRuntime). */
  pidDir?: string;
}

/** The parts of `docker inspect`'s `.State` the worker reads. */
export interface ContainerState {
  Status: string;
  Running: boolean;
  OOMKilled: boolean;
  ExitCode: number;
}

/**
 * Runs each attempt in a container through the docker CLI, attached, so output and the exit code
 * come back through the CLI process. The CLI runs under the same supervisor as a process attempt
 * (lifeline, lease, durable exit file, end report, pid file); since the container belongs to the
 * docker daemon, not to the CLI's process group, stops go through `docker kill`, and so does the
 * supervisor's fence: a container never outlives its worker or its lease.
 */
export class DockerRuntime implements TaskRuntime {
  private readonly docker: string;
  private readonly supervisor: ProcessRuntime;

  constructor(private readonly options: DockerRuntimeOptions) {
    this.docker = options.dockerBinary ?? 'docker';
    this.supervisor = new ProcessRuntime({ clock: options.clock, killGraceMs: options.killGraceMs, ...(options.pidDir ? { pidDir: options.pidDir } : {}) });
  }

  async start(launch: AttemptLaunch, context: AttemptContext, sink: LogSink): Promise<RunningAttempt> {
    const s = launch.start;
    if (s.command.length === 0) {
      throw new IrisError(ATTEMPT_START_FAILED, `task ${s.task_id} attempt ${s.attempt}: the job's command is empty`);
    }
    const ports = await allocatePorts(s.ports);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.options.baseEnv ?? process.env)) {
      if (v !== undefined && k.startsWith('TPU_') && s.resources.accelerator?.type === 'tpu') env[k] = v;
    }
    Object.assign(env, attemptEnv(launch, context, ports));
    const name = containerName(s.task_id, s.attempt);
    const owner = statSync(launch.workDir);
    const args = dockerRunArgs(launch, {
      image: this.options.image,
      name,
      workerId: context.workerId,
      env,
      ports,
      accelerator: this.options.accelerator,
      user: `${owner.uid}:${owner.gid}`,
    });
    // The CLI's own environment (the task's is only what `-e` passes): the worker's, minus its
    // credentials, plus the attempt's id so a restarted worker recognises a leftover CLI by it.
    const cliEnv = { ...withoutCredentials(process.env), IRIS_TASK_ID: s.task_id, IRIS_ATTEMPT: String(s.attempt) };
    return this.supervisor.startSupervised(
      launch,
      {
        argv: [this.docker, ...args],
        env: cliEnv,
        ports,
        signal: (sig) => void this.kill(name, sig),
        fenceExec: [this.docker, 'kill', '--signal', 'SIGKILL', name],
        dockerExit: true,
      },
      sink,
    );
  }

  renewLeases(): void {
    this.supervisor.renewLeases();
  }

  /**
   * Removes containers a previous life of this worker left behind (it died without stopping
   * them); returns their ids.
   */
  async removeLeftovers(workerId: string): Promise<string[]> {
    const out = await this.run(['ps', '-aq', '--filter', `label=${MANAGED_LABEL}`, '--filter', `label=iris.worker_id=${workerId}`]);
    const ids = out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    if (ids.length > 0) await this.run(['rm', '-f', ...ids]);
    return ids;
  }

  /** `docker kill --signal SIG name`; resolves false when the container is already gone. */
  kill(name: string, signal: NodeJS.Signals): Promise<boolean> {
    return this.run(['kill', '--signal', signal, name]).then(
      () => true,
      () => false,
    );
  }

  /** The container's state, or undefined when no such container exists. */
  async inspect(name: string): Promise<ContainerState | undefined> {
    try {
      const out = await this.run(['inspect', '--format', '{{json .State}}', name]);
      return JSON.parse(out) as ContainerState;
    } catch {
      return undefined;
    }
  }

  private run(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.docker, args, { timeout: 30_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
  }
}
