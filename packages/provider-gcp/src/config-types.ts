/**
 * The gcp provider's config blocks after core has validated them and applied the schema defaults.
 * Keys are snake_case, exactly as in the cluster file; schema.ts is checked against these types.
 */

/** How the TPU VMs of a slice are paid for. */
export type GcpCapacity = 'on_demand' | 'preemptible' | 'spot' | 'reserved';

/** A scale group's `provider: {type: gcp, …}` block. */
export interface GcpProviderConfig {
  readonly type: 'gcp';
  readonly project_id: string;
  /** Priority order: slices are created in the first zone that has capacity. */
  readonly zones: readonly string[];
  readonly runtime_version?: string;
  readonly network: string;
  readonly subnetwork?: string;
  readonly service_account?: string;
  /** Absent means: follow the group's `preemptible` flag (see resolveCapacity). */
  readonly capacity?: GcpCapacity;
  readonly queued_resource: boolean;
  readonly reservation?: string;
  readonly api_endpoint?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly startup_script_extra?: string;
}

/** The `controller.provider: {type: gcp, …}` block: the controller on a GCE VM. */
export interface GcpControllerConfig {
  readonly type: 'gcp';
  /** Optional in the schema (legacy files omit it); the load-time checks require it. */
  readonly project_id?: string;
  readonly zone?: string;
  readonly machine_type: string;
  readonly boot_disk_size_gb: number;
  readonly port: number;
  readonly image?: string;
  readonly api_endpoint?: string;
  /** Size of the persistent disk `iris-state-<cluster>` that holds the controller's state. */
  readonly state_disk_size_gb: number;
  /** Where the state disk is mounted on the VM (the controller's --state-dir). */
  readonly state_mount: string;
  /** A reserved internal address for the VM, so a replacement VM keeps the address TPU workers dial. */
  readonly internal_ip?: string;
  /** How the CLI reaches the controller: SSH to its external IP, SSH through IAP, or straight to its address. */
  readonly access: GcpControllerAccess;
  /** A Cloud Storage bucket the controller snapshots its database to (objects `<cluster>/controller-<time>.db`). */
  readonly state_bucket?: string;
  /** How often to snapshot: a duration as written in the file (`10m`). */
  readonly state_snapshot_interval?: string;
  /** How many snapshots to keep in the bucket (the newest). */
  readonly state_snapshots_kept?: number;
}

export type GcpControllerAccess = 'ssh' | 'iap' | 'direct';
