import type { PlatformDeps } from '@iris/core';
import type { ManualProviderConfig } from '../config-types.js';
import type { ManualHost } from '../hosts.js';
import type { SshTarget } from '../ssh/ssh-connection.js';
import type { SshPool } from '../ssh/ssh-pool.js';
import type { HostHealth } from './host-reports.js';
import type { ProgramShipper } from './program-shipper.js';
import type { ManualSliceRecords } from './slice-records.js';

/** Everything the manual platform's parts share; built once per platform. */
export interface ManualContext {
  deps: PlatformDeps;
  config: ManualProviderConfig;
  hosts: readonly ManualHost[];
  records: ManualSliceRecords;
  health: HostHealth;
  pool: SshPool;
  /** Ships the lean worker program (see WORKER_PROGRAM_EXCLUDES). */
  shipper: ProgramShipper;
  /** Ships the whole program, controller included, to the controller's host. */
  controllerShipper: ProgramShipper;
  /** Seconds a started worker must stay alive to count as running. */
  settleSeconds: number;
  stopGraceSeconds: number;
  /** Bootstraps in flight in this process, by slice: terminate aborts and awaits them. */
  inFlight: Map<string, { abort: AbortController; done: Promise<void> }>;
}

export function targetOf(host: ManualHost): SshTarget {
  return { host: host.host, port: host.port, user: host.user, ...(host.keyFile ? { keyFile: host.keyFile } : {}), hostKey: host.hostKey };
}

/** `~/x` on a host whose home is `home`, as an absolute path. */
export function absoluteOnHost(path: string, home: string): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? `${home.replace(/\/$/, '')}/${path.slice(2)}` : path;
}
