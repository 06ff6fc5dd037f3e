import type { Clock } from './clock.js';
import type { BootstrapConfig, ControllerConfig, ProviderConfig, ScaleGroupConfig, SshDefaultsConfig, TimeoutsConfig } from './config/types.js';
import type { Logger } from './logger.js';
import type { SliceInfo, VmBootstrapSpec, VmInfo } from './vm.js';
import type { WorkerLaunch } from './worker-launch.js';

export interface CreateSliceRequest {
  /** Idempotency key: creating twice with one request id yields one slice. */
  requestId: string;
  /** Labels to put on every VM of the slice, on top of the cluster and group labels. */
  labels: Readonly<Record<string, string>>;
  bootstrap: VmBootstrapSpec;
  /**
   * How each VM of the slice joins as its own worker (controller URL, the slice's join token, env,
   * attributes): run `workerJoinCommand(launch, vmId)` from `@iris/core/provider-kit` on every VM.
   */
  launch: WorkerLaunch;
  /** Zone to create in; the manager picks the group's first zone when absent. */
  zone?: string;
}

/** One per scale group: owns the group's slices. */
export interface VmManager {
  readonly group: string;
  /** Creates one slice of `slice_size` VMs. Idempotent by `requestId`. */
  createSlice(request: CreateSliceRequest): Promise<SliceInfo>;
  /** Every slice of this group that the provider holds, found by labels (so a restart adopts). */
  listSlices(): Promise<SliceInfo[]>;
  /** Destroys (or releases) a slice. Terminating a slice that is already gone succeeds. */
  terminateSlice(sliceId: string): Promise<void>;
}

export interface ListVmsQuery {
  /** Zone-scoped: never an implicit sweep of every zone. Omit only where the provider has no zones. */
  zone?: string;
  labels: Readonly<Record<string, string>>;
}

export interface StartVmsRequest {
  zone?: string;
  count: number;
  labels: Readonly<Record<string, string>>;
  bootstrap: VmBootstrapSpec;
}

export interface Tunnel {
  /** A URL or host:port reachable from this process that forwards to the remote address. */
  readonly localAddress: string;
  close(): Promise<void>;
}

export interface ControllerStatus {
  running: boolean;
  /** The controller's URL when running. */
  address?: string;
  /** Provider-side identity (process id, VM name, host). */
  location?: string;
  detail?: string;
}

/** Start, stop and find the controller on a provider. */
export interface ControllerHost {
  start(): Promise<ControllerStatus>;
  stop(): Promise<void>;
  status(): Promise<ControllerStatus>;
  address(): Promise<string | undefined>;
  /**
   * Optional capability: the controller's API token, read where the controller keeps it (on a
   * remote host its state_dir is not on this machine). Absent: the CLI reads `<state_dir>/token`.
   */
  readToken?(): Promise<string | undefined>;
}

/** A machine a platform failed to bootstrap, stop or reach: what `iris status` shows per host. */
export interface PlatformHostReport {
  /** The host as the cluster file names it. */
  host: string;
  /** The scale group whose slice met the failure (a host shared by two groups is reported for each). */
  group?: string;
  /** What the failure means for the group: `host_unavailable` (never a stockout). */
  reason?: string;
  /** The step that failed (connect, program, start, status, stop, …). */
  step: string;
  error: string;
  /** The host's last output lines before the failure (never secrets). */
  lastLines: string[];
  failures: number;
  atMs: number;
  /** The platform will not pick the host again before this time. */
  retryAfterMs: number;
}

export interface InstanceTypeOffering {
  name: string;
  accelerator: string;
  zones: string[];
  /** Per VM, where the provider knows them. */
  vcpus?: number;
  memoryBytes?: number;
  pricePerHour?: number;
  preemptiblePricePerHour?: number;
  available: boolean;
  preemptible: boolean;
}

/** One per distinct provider config. */
export interface Platform {
  readonly type: string;
  vmManager(group: ScaleGroupConfig): VmManager;
  listVms(query: ListVmsQuery): Promise<VmInfo[]>;
  startVms(request: StartVmsRequest): Promise<VmInfo[]>;
  stopVms(vmIds: readonly string[], zone?: string): Promise<void>;
  tunnel(address: string): Promise<Tunnel>;
  controllerHost(controller: ControllerConfig): ControllerHost;
  /**
   * Optional capability: the controller URL this platform's VMs must dial, given the URL the
   * controller is bound to (e.g. the GCE VM's internal IP, or a lab host's name). Used when the
   * cluster file sets no `defaults.bootstrap.controller_address`; undefined means no answer.
   */
  controllerUrlForVms?(boundUrl: string): string | undefined | Promise<string | undefined>;
  /**
   * Optional capability: the VMs run on the controller's own machine (local processes), so a
   * loopback or bind address reaches the controller. Any other platform's VMs are remote.
   */
  readonly vmsShareControllerHost?: boolean;
  /** Optional capability: what can be created, with prices. */
  listInstanceTypes?(): Promise<InstanceTypeOffering[]>;
  /** Optional capability: the cost of running `group` for `hours`, in USD. */
  estimateCost?(group: ScaleGroupConfig, hours: number): number | undefined;
  /** Optional capability: hosts that are failing, with the step and their last lines (fixed-host providers). */
  hostReports?(): PlatformHostReport[];
  /**
   * Optional capability of a `controller.provider` platform: where the controller keeps copies of
   * its database (e.g. a Cloud Storage bucket), how often and how many. Undefined: no snapshots.
   */
  stateSnapshots?(controller: ControllerConfig): StateSnapshots | undefined;
  /** Releases clients and connections. */
  close?(): Promise<void>;
}

/** A copy of the controller's database in a provider's object store. */
export interface StateSnapshotObject {
  /** Names sort by time: the last one is the newest. */
  name: string;
  sizeBytes?: number;
}

/** Where the controller's database snapshots live: the objects of one cluster. */
export interface StateSnapshotStore {
  /** Where, for log lines and errors (`gs://bucket/cluster/`); never a credential. */
  readonly location: string;
  list(): Promise<StateSnapshotObject[]>;
  upload(file: string, name: string): Promise<void>;
  download(name: string, file: string): Promise<void>;
  delete(name: string): Promise<void>;
}

export interface StateSnapshots {
  store: StateSnapshotStore;
  intervalMs: number;
  /** How many snapshots to keep (the newest). */
  keep: number;
}

/** What a platform factory receives besides its own provider block. */
export interface PlatformDeps {
  clusterName: string;
  bootstrap: BootstrapConfig;
  timeouts: TimeoutsConfig;
  ssh: SshDefaultsConfig;
  clock: Clock;
  logger: Logger;
  /** A folder the provider may keep local files in (the controller's state_dir). */
  stateDir: string;
  /**
   * The argv prefix that runs the `iris` command on this machine (e.g. `[node, /…/iris.js]`), so a
   * provider can start `iris worker` or `iris controller serve` without importing those packages.
   */
  irisCommand?: readonly string[];
  /** The cluster file the configuration was loaded from, for a controller host to run with. */
  clusterFile?: string;
}

/** Registered by a provider plugin under `TOKENS.platformFactory`. */
export interface PlatformFactory {
  readonly type: string;
  create(config: ProviderConfig, deps: PlatformDeps): Platform | Promise<Platform>;
}
