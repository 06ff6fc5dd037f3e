import { IrisError, type ProviderIssue } from '@iris/core';
import type { ManualProviderConfig } from './config-types.js';

export const MANUAL_HOSTS_INVALID = 'IRIS_MANUAL_HOSTS_INVALID';

/** One SSH endpoint of a manual group, as the platform will dial it. */
export interface ManualHost {
  /** The entry as written in `hosts` (the key of `host_key_fingerprints`, and the host's identity). */
  readonly entry: string;
  /** Host name or address, IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly keyFile?: string;
  readonly hostKey: HostKeyPolicy;
}

/** How a host's key is verified; the insecure opt-out is spelled out so callers cannot miss it. */
export type HostKeyPolicy =
  { readonly kind: 'fingerprint'; readonly fingerprint: string } | { readonly kind: 'known_hosts'; readonly file?: string } | { readonly kind: 'insecure' };

/** Splits `host`, `host:port`, `[v6]:port` or a bare IPv6 address into host and port. */
export function parseHostEntry(entry: string, defaultPort: number): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1] ?? '', port: portOf(bracketed[2], defaultPort, entry) };
  const colons = entry.split(':').length - 1;
  if (colons >= 2) return { host: entry, port: defaultPort }; // a bare IPv6 address
  const [host = '', port] = entry.split(':');
  return { host, port: portOf(port, defaultPort, entry) };
}

function portOf(text: string | undefined, defaultPort: number, entry: string): number {
  if (text === undefined) return defaultPort;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new IrisError(MANUAL_HOSTS_INVALID, `host "${entry}": port must be 1-65535`);
  }
  return port;
}

/**
 * The group block's cross-field rules, checked at load time (positioned by core): two entries
 * naming one endpoint (`10.0.0.1` and `10.0.0.1:22`: one machine would run two workers), and a
 * pinned fingerprint for a host the group does not list (a typo would silently unpin it).
 */
export function manualHostIssues(config: ManualProviderConfig, defaultSshPort: number): ProviderIssue[] {
  const issues: ProviderIssue[] = [];
  const seen = new Map<string, string>();
  config.hosts.forEach((entry, i) => {
    let endpoint: string;
    try {
      const { host, port } = parseHostEntry(entry, config.ssh_port ?? defaultSshPort);
      endpoint = `${host.toLowerCase()}:${port}`;
    } catch (err) {
      issues.push({ path: ['hosts', i], message: (err as Error).message });
      return;
    }
    const earlier = seen.get(endpoint);
    if (earlier !== undefined)
      issues.push({ path: ['hosts', i], message: `"${entry}" and "${earlier}" are the same machine (${endpoint}); list each host once` });
    else seen.set(endpoint, entry);
  });
  for (const pinned of Object.keys(config.host_key_fingerprints ?? {})) {
    if (!config.hosts.includes(pinned)) {
      issues.push({ path: ['host_key_fingerprints', pinned], message: `"${pinned}" is not one of the group's hosts; write the key exactly as in hosts` });
    }
  }
  return issues;
}

/**
 * The group's hosts with their SSH settings resolved against `defaults.ssh`. Refuses two entries
 * naming one endpoint (`10.0.0.1` and `10.0.0.1:22`: one machine would run two workers) and a
 * pinned fingerprint for a host the group does not list (a typo would silently unpin it).
 */
export function resolveManualHosts(
  config: ManualProviderConfig,
  sshDefaults: { readonly user: string; readonly port: number; readonly key_file?: string },
  where = 'provider',
): ManualHost[] {
  const defaultPort = config.ssh_port ?? sshDefaults.port;
  const user = config.ssh_user ?? sshDefaults.user;
  const keyFile = config.ssh_key_file ?? sshDefaults.key_file;
  const seen = new Map<string, string>();
  const hosts = config.hosts.map((entry): ManualHost => {
    const { host, port } = parseHostEntry(entry, defaultPort);
    const endpoint = `${host.toLowerCase()}:${port}`;
    const earlier = seen.get(endpoint);
    if (earlier !== undefined) {
      throw new IrisError(MANUAL_HOSTS_INVALID, `${where}.hosts: "${entry}" and "${earlier}" are the same machine (${endpoint}); list each host once`);
    }
    seen.set(endpoint, entry);
    return { entry, host, port, user, ...(keyFile !== undefined ? { keyFile } : {}), hostKey: hostKeyPolicy(config, entry) };
  });
  for (const pinned of Object.keys(config.host_key_fingerprints)) {
    if (!config.hosts.includes(pinned)) {
      throw new IrisError(
        MANUAL_HOSTS_INVALID,
        `${where}.host_key_fingerprints: "${pinned}" is not one of the group's hosts; write the key exactly as in hosts`,
      );
    }
  }
  return hosts;
}

function hostKeyPolicy(config: ManualProviderConfig, entry: string): HostKeyPolicy {
  const fingerprint = config.host_key_fingerprints[entry];
  if (fingerprint !== undefined) return { kind: 'fingerprint', fingerprint };
  if (config.insecure_skip_host_key_check) return { kind: 'insecure' };
  return { kind: 'known_hosts', ...(config.known_hosts_file !== undefined ? { file: config.known_hosts_file } : {}) };
}
