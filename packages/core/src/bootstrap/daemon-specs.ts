import type { DaemonSpec } from './daemon-script.js';

export interface WorkerDaemonOptions {
  /** The worker's directory on the host, absolute: `<worker_dir>/<worker-id>`. */
  dir: string;
  workerId: string;
  /** Absolute path of the unpacked program on the host, and the `iris` script inside it. */
  programDir: string;
  entry: string;
  controllerAddress: string;
  /** Worker attributes (`--attribute k=v`), e.g. the slice and group. */
  attributes: Readonly<Record<string, string>>;
  cpu?: number;
  /** Bytes. */
  memory?: number;
  /** Environment, including the cluster token; never on the command line. */
  env: Readonly<Record<string, string>>;
  settleSeconds: number;
  stopGraceSeconds: number;
}

/** `iris worker …` as a daemon: the arguments every provider passes a worker. */
export function workerDaemonSpec(o: WorkerDaemonOptions): DaemonSpec {
  const args = [
    'worker',
    '--controller',
    o.controllerAddress,
    '--worker-id',
    o.workerId,
    '--work-dir',
    o.dir,
    ...(o.cpu !== undefined ? ['--cpu', String(o.cpu)] : []),
    ...(o.memory !== undefined ? ['--memory', String(o.memory)] : []),
    ...Object.entries(o.attributes).flatMap(([k, v]) => ['--attribute', `${k}=${v}`]),
  ];
  return {
    role: 'worker',
    dir: o.dir,
    marker: o.workerId,
    programDir: o.programDir,
    entry: o.entry,
    args,
    env: o.env,
    settleSeconds: o.settleSeconds,
    stopGraceSeconds: o.stopGraceSeconds,
  };
}

export interface ControllerDaemonOptions {
  /** The controller's state_dir on the host, absolute. */
  stateDir: string;
  programDir: string;
  entry: string;
  host: string;
  port: number;
  /** The cluster file on the host, when one was uploaded. */
  clusterFile?: string;
  env: Readonly<Record<string, string>>;
  settleSeconds: number;
  stopGraceSeconds: number;
}

/** `iris controller serve …` as a daemon whose directory is its state_dir. */
export function controllerDaemonSpec(o: ControllerDaemonOptions): DaemonSpec {
  return {
    role: 'controller',
    dir: o.stateDir,
    marker: o.stateDir,
    programDir: o.programDir,
    entry: o.entry,
    args: ['controller', 'serve', '--state-dir', o.stateDir, '--host', o.host, '--port', String(o.port), ...(o.clusterFile ? ['-c', o.clusterFile] : [])],
    env: o.env,
    settleSeconds: o.settleSeconds,
    stopGraceSeconds: o.stopGraceSeconds,
  };
}
