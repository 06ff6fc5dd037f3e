import { ProviderError } from '../errors.js';
import { WORKER_JOIN_ENV, type WorkerLaunch } from '../worker-launch.js';

export interface WorkerJoinOptions {
  /** The slice the VM belongs to, advertised as the `iris-slice` attribute. */
  sliceId?: string;
  /** The worker's own folder on the VM (`--work-dir`); default `~/.iris/worker`. */
  workDir?: string;
}

export interface WorkerJoinCommand {
  /** Arguments of the `iris` program (`iris worker --controller … --worker-id <vmId> …`). */
  argv: string[];
  /**
   * Environment to run it with: IRIS_CONTROLLER, IRIS_JOIN_TOKEN (a secret: pass it in the
   * environment or a 0600 file, never on a command line, in logs or in VM metadata others can read)
   * and IRIS_VM_ADDRESS = the VM id, plus the launch's env.
   */
  env: Record<string, string>;
}

/**
 * Refuses (as a ProviderError of kind `invalid_request`) a launch no worker could join with: no
 * controller URL or no join token. Call it before creating anything, so a refused create leaves no slice.
 */
export function assertWorkerLaunch(launch: WorkerLaunch | undefined, provider: string, group: string): void {
  const missing = !launch ? 'the launch' : !launch.controllerUrl ? 'the controller URL' : !launch.joinToken ? 'the join token' : undefined;
  if (missing === undefined) return;
  throw new ProviderError(
    'invalid_request',
    `${provider} group "${group}": CreateSliceRequest.launch lacks ${missing}, so no worker could join; the controller computes it (defaults.bootstrap.controller_address)`,
    { provider },
  );
}

/**
 * How a VM joins the cluster as its own worker: run `iris <argv…>` with `env`. `vmId` must be the
 * id the provider reports for that VM in `VmInfo.vmId`: the controller counts a slice ready only
 * when a worker has registered under each of its VM ids.
 */
export function workerJoinCommand(launch: WorkerLaunch, vmId: string, options: WorkerJoinOptions = {}): WorkerJoinCommand {
  const attributes: Record<string, string> = { ...launch.attributes, ...(options.sliceId ? { 'iris-slice': options.sliceId } : {}) };
  const argv = [
    'worker',
    '--controller',
    launch.controllerUrl,
    '--worker-id',
    vmId,
    ...(options.workDir ? ['--work-dir', options.workDir] : []),
    '--cpu',
    String(launch.resources.cpu),
    '--memory',
    String(launch.resources.memoryBytes),
    ...Object.entries(attributes).flatMap(([k, v]) => ['--attribute', `${k}=${v}`]),
  ];
  const env: Record<string, string> = {
    ...launch.env,
    [WORKER_JOIN_ENV.controller]: launch.controllerUrl,
    [WORKER_JOIN_ENV.joinToken]: launch.joinToken,
    [WORKER_JOIN_ENV.vmAddress]: vmId,
  };
  return { argv, env };
}
