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
  /** Absent means: the project of the cluster's top-level gcp provider. */
  readonly project_id?: string;
  readonly zone?: string;
  readonly machine_type: string;
  readonly boot_disk_size_gb: number;
  readonly port: number;
  readonly image?: string;
  readonly api_endpoint?: string;
}
