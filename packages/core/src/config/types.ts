/**
 * The resolved cluster configuration. It is pure data with the same keys as the cluster file
 * (snake_case), after defaults are applied and every group's provider is resolved: durations are
 * integer milliseconds and sizes integer bytes, so the resolved form is itself a valid cluster file.
 */

/** A `provider:` block. `type` is the canonical provider type (aliases already resolved). */
export interface ProviderConfig {
  readonly type: string;
  readonly [key: string]: unknown;
}

export type AcceleratorType = 'cpu' | 'gpu' | 'tpu';

/** Per-VM resources of a scale group. */
export interface ScaleGroupResources {
  readonly cpu: number;
  /** Bytes. */
  readonly ram: number;
  /** Bytes. */
  readonly disk: number;
  readonly gpu_count: number;
  readonly tpu_count: number;
}

export interface ScaleGroupConfig {
  /** The map key under `scale_groups`. */
  readonly name: string;
  readonly provider: ProviderConfig;
  readonly accelerator_type: AcceleratorType;
  readonly accelerator_variant: string;
  /** VMs per slice; a slice is created and destroyed as one unit. */
  readonly slice_size: number;
  readonly resources: ScaleGroupResources;
  readonly preemptible: boolean;
  readonly min_slices: number;
  readonly max_slices: number;
  /** Lower routes first (the `priority` strategy, and the order between pools). */
  readonly priority: number;
  /**
   * Groups of one pool that can serve the same demand are chosen between by the routing strategy;
   * groups without a pool share one unnamed pool.
   */
  readonly pool?: string;
  /** What one slice costs per hour; a provider that prices its groups (`estimateCost`) overrides it. */
  readonly cost_per_hour?: number;
  /** Extra worker attributes every worker of the group advertises. */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface TimeoutsConfig {
  readonly boot: number;
  readonly init: number;
  readonly ssh_poll_interval: number;
}

export interface SshDefaultsConfig {
  readonly user: string;
  readonly port: number;
  readonly key_file?: string;
  readonly connect_timeout: number;
}

/** How the autoscaler chooses between groups of one pool that can serve the same demand. */
export const ROUTING_STRATEGIES = ['priority', 'cost', 'availability', 'round_robin', 'least_waste'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

export interface AutoscalerConfig {
  /** Strategy between groups of one pool (`pool:` of each group). */
  readonly routing: RoutingStrategy;
  /** Most slices alive at once across every group; absent: no limit. */
  readonly max_slices_total?: number;
  /** Most the live slices may cost per hour together (groups without a price count 0); absent: no limit. */
  readonly max_cost_per_hour?: number;
  readonly evaluation_interval: number;
  readonly requesting_timeout: number;
  readonly scale_up_delay: number;
  readonly scale_down_delay: number;
  /** No scale-down of a group this soon after its last scale-up or scale-down. */
  readonly scale_down_cooldown: number;
  readonly startup_grace: number;
  readonly heartbeat_grace: number;
  /** Exponential backoff after a failed create: first delay and ceiling. */
  readonly backoff_initial: number;
  readonly backoff_max: number;
  /** Each further failure multiplies the backoff by this (>= 1). */
  readonly backoff_factor: number;
  /** How long a group is skipped after a quota error. */
  readonly quota_timeout: number;
  /** Token bucket of create calls per group: burst and refill per minute. */
  readonly create_rate_per_minute: number;
  readonly create_burst: number;
  /** Creates in flight at once across the cluster. */
  readonly max_parallel_creates: number;
  /** Create calls per provider type shared by every group on it (GCP's TPU create quota is about 91 a minute). */
  readonly provider_create_rates: Readonly<Record<string, { readonly per_minute: number; readonly burst: number }>>;
  /** Labelled VMs nobody accounts for are terminated at start-up only once this old. */
  readonly orphan_min_age: number;
  /** A slice lost younger than this puts its group into backoff: its VMs may be bad. */
  readonly short_lived_slice: number;
  /** Decisions kept for status and explain. */
  readonly action_log_size: number;
}

/** What a job gets when it does not say (per job: --cpu, --memory, --disk, --scheduling-timeout). */
export interface JobDefaultsConfig {
  readonly cpu: number;
  /** Bytes. */
  readonly memory: number;
  /** Bytes. */
  readonly disk: number;
  /** Tasks still pending this long after submission fail UNSCHEDULABLE; 0 waits forever. */
  readonly scheduling_timeout: number;
  /** Retries of a task after it fails, and after its worker is lost (preemption). */
  readonly max_retries_failure: number;
  readonly max_retries_preemption: number;
}

export interface BootstrapConfig {
  readonly worker_port: number;
  readonly cache_dir: string;
  readonly controller_address?: string;
  readonly docker_image?: string;
  readonly env: Readonly<Record<string, string>>;
}

export interface DefaultsConfig {
  readonly timeouts: TimeoutsConfig;
  readonly ssh: SshDefaultsConfig;
  readonly autoscaler: AutoscalerConfig;
  readonly job: JobDefaultsConfig;
  readonly bootstrap: BootstrapConfig;
}

export interface ControllerConfig {
  readonly provider: ProviderConfig;
  readonly state_dir: string;
  readonly worker_timeout: number;
  /** Longest a long-poll is held open (ms). Always set by the loader; optional for hand-built configs. */
  readonly max_wait?: number;
  /** Scheduler and heartbeat-check interval (ms). Always set by the loader. */
  readonly tick?: number;
  /** How long a dashboard login code stays valid (ms). Always set by the loader. */
  readonly login_code_ttl?: number;
  /** How long a dashboard session lasts (ms). Always set by the loader. */
  readonly session_ttl?: number;
  readonly image?: string;
  /** Always set by the loader (DEFAULT_CONFIG.controller.limits); optional for hand-built configs. */
  readonly limits?: ControllerInputLimits;
}

/** What the controller refuses (DEFAULT_CONFIG.controller.limits); sizes in bytes. */
export interface ControllerInputLimits {
  readonly max_body_bytes: number;
  readonly max_json_entries: number;
  readonly max_json_depth: number;
  readonly max_command_bytes: number;
  readonly max_arg_bytes: number;
  readonly max_env_bytes: number;
  readonly max_bundle_bytes: number;
  /** The files one task attempt keeps under $IRIS_OUTPUT_DIR, all together. */
  readonly max_output_bytes: number;
  readonly max_starts_per_worker_per_pass: number;
  readonly max_starting_per_worker: number;
  readonly max_log_lines_per_attempt: number;
  readonly max_actions: number;
}

export interface ClusterConfig {
  /** Cluster name; labels every VM the cluster creates. */
  readonly name: string;
  readonly plugins: readonly string[];
  /** The cluster-wide default provider, when the file sets one. */
  readonly provider?: ProviderConfig;
  readonly defaults: DefaultsConfig;
  readonly controller: ControllerConfig;
  readonly scale_groups: Readonly<Record<string, ScaleGroupConfig>>;
}
