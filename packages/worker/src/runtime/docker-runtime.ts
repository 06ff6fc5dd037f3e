import { spawn, execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { IrisError, type Clock } from '@iris/core';
import { containerName, dockerRunArgs, MANAGED_LABEL } from './docker-args.js';
import { allocatePorts } from './ports.js';
import { ATTEMPT_START_FAILED } from './process-runtime.js';
import { SupervisedChild } from './supervised-child.js';
import { attemptEnv, type AttemptContext, type AttemptLaunch, type LogSink, type RunningAttempt, type TaskRuntime } from './types.js';
import { constants } from 'node:os';

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
 * come back through the CLI process. Stops go through `docker kill`, since signalling the CLI
 * would not reach a container reliably.
 */
export class DockerRuntime implements TaskRuntime {
  private readonly docker: string;

  constructor(private readonly options: DockerRuntimeOptions) {
    this.docker = options.dockerBinary ?? 'docker';
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
    const child = spawn(this.docker, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) =>
        reject(new IrisError(ATTEMPT_START_FAILED, `task ${s.task_id} attempt ${s.attempt}: cannot run ${this.docker}: ${err.message}`, { cause: err })),
      );
    });
    return new SupervisedChild({
      child,
      ports,
      sink,
      clock: this.options.clock,
      killGraceMs: this.options.killGraceMs,
      timeoutMs: s.timeout_ms,
      signal: (sig) => void this.kill(name, sig).catch(() => undefined),
      mapExit: dockerExitStatus,
    });
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

/**
 * The docker CLI exits with the container's code, and with 128+N when the container died of
 * signal N. 125–127 are the CLI's own failures (daemon, image, command) and stay exit codes.
 */
export function dockerExitStatus(code: number | null, signal: NodeJS.Signals | null): { code: number | null; signal: NodeJS.Signals | null } {
  if (code !== null && code > 128 && code < 128 + 65) {
    const name = (Object.entries(constants.signals) as Array<[NodeJS.Signals, number]>).find(([, n]) => n === code - 128)?.[0];
    if (name) return { code: null, signal: name };
  }
  return { code, signal };
}
