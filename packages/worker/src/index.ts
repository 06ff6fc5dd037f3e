import { fileURLToPath } from 'node:url';
export { startWorker } from './start-worker.js';
export type { StartWorkerOptions, WorkerHandle } from './start-worker.js';
export { parseWorkerArgs, parseResourceFlags, readWorkerToken, WORKER_USAGE, WORKER_USAGE_ERROR } from './worker-args.js';
export { resolveWorkerId } from './worker-identity.js';
export { WorkerDaemon } from './daemon/worker-daemon.js';
export type { WorkerApi, WorkerDaemonOptions, WorkerStatus } from './daemon/worker-daemon.js';
export { Backoff } from './daemon/backoff.js';
export { LogPusher } from './daemon/log-pusher.js';
export type { LogPusherOptions } from './daemon/log-pusher.js';
export { stderrLogger } from './daemon/stderr-logger.js';
export { probeEnvironment } from './probe/env-probe.js';
export type { WorkerFacts, ProbeOptions } from './probe/env-probe.js';
export { systemProbeSources } from './probe/probe-sources.js';
export type { ProbeSources } from './probe/probe-sources.js';
export { parseAttribute, parseAttributeList, INVALID_ATTRIBUTE } from './probe/attributes.js';
export { tpuShape } from './probe/tpu.js';
export { BundleCache, BUNDLE_HASH_MISMATCH, BUNDLE_INVALID_ID, BUNDLE_UNPACK_FAILED } from './bundle/bundle-cache.js';
export type { BundleFetcher } from './bundle/bundle-cache.js';
export { ProcessRuntime, ATTEMPT_START_FAILED } from './runtime/process-runtime.js';
export type { ProcessRuntimeOptions } from './runtime/process-runtime.js';
export { DockerRuntime, dockerExitStatus } from './runtime/docker-runtime.js';
export type { DockerRuntimeOptions, ContainerState } from './runtime/docker-runtime.js';
export { dockerRunArgs, containerName, MANAGED_LABEL } from './runtime/docker-args.js';
export type { DockerRunPlan } from './runtime/docker-args.js';
export { reapOrphans } from './runtime/reap-orphans.js';
export { attemptEnv, portEnvName } from './runtime/types.js';
export type { TaskRuntime, RunningAttempt, AttemptExit, AttemptLaunch, AttemptContext, LogSink } from './runtime/types.js';

/**
 * The built worker program (`dist/main.js`), for providers and tests that launch workers as
 * processes. Resolved relative to this module so it works from `src/` and from `dist/` alike.
 */
export function workerMainPath(): string {
  return fileURLToPath(new URL('../dist/main.js', import.meta.url));
}
