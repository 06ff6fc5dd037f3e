/**
 * What a new VM needs to join the cluster as its own worker. The controller works it out once per
 * scale group (the address to dial, env, attributes, resources) and mints a fresh join token for
 * every slice it creates; providers receive it on `CreateSliceRequest.launch` and hand it to each VM
 * with `workerJoinCommand` (`@iris/core/provider-kit`). No provider computes any of it again.
 */
export interface WorkerLaunch {
  /**
   * The controller URL the VM's worker dials. For a VM on another machine this is never a bind
   * address (0.0.0.0, 127.0.0.1, localhost): the controller refuses to start such a group.
   */
  readonly controllerUrl: string;
  /**
   * Short-lived join token of this slice: each VM of the slice may trade it once, at registration,
   * for a credential of its own. It is the only secret a VM gets; the master token never leaves the
   * controller's host.
   */
  readonly joinToken: string;
  /** When the join token stops being accepted (epoch ms). */
  readonly joinTokenExpiresAtMs: number;
  /** Extra environment for the worker (`defaults.bootstrap.env`). Holds no secret. */
  readonly env: Readonly<Record<string, string>>;
  /** Attributes every worker of the group advertises (scale-group, accelerator-*, preemptible, the group's own). */
  readonly attributes: Readonly<Record<string, string>>;
  /** What each worker offers the scheduler (the group's `resources`). */
  readonly resources: { readonly cpu: number; readonly memoryBytes: number };
}

/** The environment variables with which a VM's worker joins (see `workerJoinCommand`). */
export const WORKER_JOIN_ENV = Object.freeze({
  /** The controller URL (`WorkerLaunch.controllerUrl`). */
  controller: 'IRIS_CONTROLLER',
  /** The slice's join token (`WorkerLaunch.joinToken`). */
  joinToken: 'IRIS_JOIN_TOKEN',
  /** The VM's id as the provider reports it in `VmInfo.vmId`: the worker registers under it. */
  vmAddress: 'IRIS_VM_ADDRESS',
} as const);

/** Exit code of `iris worker` when the controller refuses its join token or revokes its credential. */
export const WORKER_JOIN_REFUSED_EXIT_CODE = 3;
