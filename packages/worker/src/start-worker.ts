import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { acquireDirLock, SystemClock, type Clock, type DirLock, type LogFormat, type Logger } from '@iris/core';
import { CredentialedApi } from './daemon/join-credential.js';
import { AttemptEnds } from './daemon/attempt-ends.js';
import { BundleCache } from './bundle/bundle-cache.js';
import { Backoff } from './daemon/backoff.js';
import { stderrLogger } from './daemon/stderr-logger.js';
import { WorkerDaemon, type WorkerStatus } from './daemon/worker-daemon.js';
import { probeEnvironment, type WorkerFacts } from './probe/env-probe.js';
import { systemProbeSources, type ProbeSources } from './probe/probe-sources.js';
import { DockerRuntime } from './runtime/docker-runtime.js';
import { ProcessRuntime } from './runtime/process-runtime.js';
import { workerCgroups } from './runtime/cgroup.js';
import { reapOrphans } from './runtime/reap-orphans.js';
import type { TaskRuntime } from './runtime/types.js';
import { resolveWorkerId } from './worker-identity.js';

/** Held for the worker's life in its work dir. */
export const WORKER_LOCK_FILE = 'worker.lock';

export interface StartWorkerOptions {
  /** e.g. `http://10.0.0.2:10000`. */
  controllerUrl: string;
  /**
   * What the worker authenticates with: a slice's join token (IRIS_JOIN_TOKEN, traded at
   * registration for a credential of its own) or an operator token. Never logged.
   */
  token?: string;
  /** Bundles, scratch dirs, pid files and the saved worker id live here. Default `~/.iris/worker`. */
  workDir?: string;
  workerId?: string;
  /** `k=v` attributes, on top of those probed and those of IRIS_WORKER_ATTRIBUTES. */
  attributes?: string[];
  /** `process` (default) runs tasks as child processes; `docker` in containers. */
  runtime?: 'process' | 'docker';
  /** Image of task containers with the docker runtime. */
  dockerImage?: string;
  /** Time between SIGTERM and SIGKILL when stopping a task. Default 5 s. */
  killGraceMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** Format of the default logger's lines (json unless text is asked for). */
  logFormat?: LogFormat;
  /** The environment the worker reads (IRIS_*, TPU_*) and tasks inherit. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The machine as the probe sees it; the real one by default. */
  probeSources?: ProbeSources;
  /**
   * What this worker offers instead of the whole machine, when several workers share one machine
   * (local scale groups): CPUs and memory in bytes.
   */
  resources?: { cpu?: number; memoryBytes?: number };
}

export interface WorkerHandle {
  readonly workerId: string;
  readonly facts: WorkerFacts;
  readonly status: WorkerStatus;
  /**
   * Resolves with the controller's reason when it refuses the worker's credential (a spent,
   * expired or foreign join token, a revoked credential); the worker has stopped by then. The
   * `iris worker` program exits 3 with that reason. Never resolves otherwise.
   */
  readonly refusal: Promise<string>;
  /** Stops the worker; by default kills its attempts and reports them first. */
  stop(options?: { killAttempts?: boolean }): Promise<void>;
}

/** Probes the machine, then registers with the controller and serves attempts until stopped. */
export async function startWorker(options: StartWorkerOptions): Promise<WorkerHandle> {
  const workDir = resolve(options.workDir ?? join(homedir(), '.iris', 'worker'));
  mkdirSync(workDir, { recursive: true });
  // One worker per work dir: two would share the saved id and answer each other's polls.
  const lock = acquireDirLock({
    dir: workDir,
    name: WORKER_LOCK_FILE,
    what: 'worker',
    hint: 'Each worker on a machine needs its own --work-dir; stop the other worker or give this one another folder.',
  });
  try {
    return await startLocked(options, workDir, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function startLocked(options: StartWorkerOptions, workDir: string, lock: DirLock): Promise<WorkerHandle> {
  const env = options.env ?? process.env;
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? stderrLogger({ secrets: options.token ? [options.token] : [], format: options.logFormat ?? 'json' });
  const sources = options.probeSources ?? systemProbeSources(env);
  const probed = await probeEnvironment({ workDir, attributeFlags: options.attributes ?? [] }, sources);
  const facts = {
    ...probed,
    ...(options.resources?.cpu === undefined ? {} : { cpu: options.resources.cpu }),
    ...(options.resources?.memoryBytes === undefined ? {} : { memoryBytes: options.resources.memoryBytes }),
  };
  const workerId = resolveWorkerId({ explicit: options.workerId, env, workDir, hostname: facts.hostname });

  const pidDir = join(workDir, 'pids');
  // Process attempts in cgroups of their own where the machine allows it; otherwise process groups alone.
  const cgroups = options.runtime === 'docker' ? undefined : workerCgroups({ workerId, workDir, env });
  const cgroupDir = cgroups && 'dir' in cgroups ? cgroups.dir : undefined;
  if (cgroups && 'unusable' in cgroups) logger.info('attempts run in process groups only (no cgroup)', { reason: cgroups.unusable });
  const reaped = reapOrphans(pidDir, cgroupDir);
  if (reaped.length > 0) logger.warn('killed attempts left running by a previous worker process', { processGroups: reaped });

  const killGraceMs = options.killGraceMs ?? 5_000;
  let runtime: TaskRuntime;
  if (options.runtime === 'docker') {
    const docker = new DockerRuntime({
      clock,
      killGraceMs,
      image: options.dockerImage ?? 'iris-task:latest',
      accelerator: facts.accelerator,
      baseEnv: env,
      pidDir,
      // No cgroup: it would hold only the docker CLI; the container, the daemon's, is fenced by docker kill.
    });
    const removed = await docker.removeLeftovers(workerId).catch((err: unknown) => {
      logger.warn('cannot list leftover task containers', { error: (err as Error).message });
      return [];
    });
    if (removed.length > 0) logger.warn('removed task containers left by a previous worker process', { containers: removed });
    runtime = docker;
  } else {
    runtime = new ProcessRuntime({ clock, killGraceMs, baseEnv: env, pidDir, ...(cgroupDir ? { cgroupDir } : {}) });
  }

  let refuse: (reason: string) => void = () => undefined;
  const refusal = new Promise<string>((resolve) => (refuse = resolve));
  const started: { daemon?: WorkerDaemon } = {};
  const api = new CredentialedApi(
    options.token === undefined ? { baseUrl: options.controllerUrl } : { baseUrl: options.controllerUrl, token: options.token },
    (reason) => {
      logger.error('the controller refused this worker; stopping', { workerId, reason });
      void (started.daemon?.stop() ?? Promise.resolve()).finally(() => refuse(reason));
    },
  );
  const daemon = new WorkerDaemon({
    api,
    clock,
    logger,
    workerId,
    controllerUrl: options.controllerUrl,
    facts,
    runtime,
    bundles: new BundleCache(join(workDir, 'bundles'), (sha) => api.downloadBundle(sha)),
    scratchDir: join(workDir, 'scratch'),
    // Both runtimes run attempts under a supervisor that records each end and can report it.
    ends: new AttemptEnds(join(workDir, 'attempts')),
    endReports: { credential: () => api.token },
    backoff: new Backoff(200, 10_000),
    logs: { flushMs: 100, maxBatch: 1_000, maxBuffered: 100_000 },
  });
  started.daemon = daemon;
  daemon.start();
  logger.info('worker started', { workerId, workDir, controller: options.controllerUrl, runtime: options.runtime ?? 'process' });
  return {
    workerId,
    facts,
    get status() {
      return daemon.status;
    },
    refusal,
    stop: async (o) => {
      try {
        await daemon.stop(o);
      } finally {
        lock.release();
      }
    },
  };
}
