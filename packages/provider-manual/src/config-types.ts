/**
 * The manual provider's config blocks after core has validated them and applied the schema
 * defaults. SSH fields left out fall back to the cluster's `defaults.ssh`.
 */

/** A scale group's `provider: {type: manual, …}` block: a fixed pool of SSH hosts. */
export interface ManualProviderConfig {
  readonly type: 'manual';
  /** Each `host`, `host:port`, `ip`, `ip:port`, or `[ipv6]:port`; unique. */
  readonly hosts: readonly string[];
  readonly ssh_user?: string;
  readonly ssh_key_file?: string;
  readonly ssh_port?: number;
  /** Host (as written in `hosts`) → pinned `SHA256:…` host key fingerprint. */
  readonly host_key_fingerprints: Readonly<Record<string, string>>;
  readonly known_hosts_file?: string;
  readonly insecure_skip_host_key_check: boolean;
  readonly worker_dir: string;
  /** Keep a terminated slice's `<worker_dir>/<vm id>/` folder on its host. */
  readonly keep_logs: boolean;
}

/** The `controller.provider: {type: manual, …}` block: the controller on one SSH host. */
export interface ManualControllerConfig {
  readonly type: 'manual';
  readonly host: string;
  readonly port: number;
  readonly ssh_user?: string;
  readonly ssh_key_file?: string;
  readonly ssh_port?: number;
  readonly host_key_fingerprint?: string;
  readonly known_hosts_file?: string;
  readonly insecure_skip_host_key_check: boolean;
}
