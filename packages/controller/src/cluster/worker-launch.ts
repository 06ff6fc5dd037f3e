import { IrisError, type ClusterConfig, type Platform, type ScaleGroupConfig, type WorkerLaunch } from '@iris/core';
import type { CredentialStore } from '../auth/credential-store.js';

export const WORKER_LAUNCH_ERROR = 'IRIS_WORKER_LAUNCH';

/** What is the same for every slice of a group; only the join token changes per create. */
export interface GroupLaunchPlan {
  readonly controllerUrl: string;
  /** Where the address came from, for messages and `iris status`. */
  readonly source: 'controller_address' | 'advertised' | 'provider' | 'bound address';
  readonly env: Readonly<Record<string, string>>;
  readonly attributes: Readonly<Record<string, string>>;
  readonly resources: WorkerLaunch['resources'];
  readonly uses: number;
  readonly joinTokenTtlMs: number;
}

/** Makes the `WorkerLaunch` of one slice create: the group's plan plus a fresh join token. */
export type WorkerLaunchFactory = (group: ScaleGroupConfig, requestId: string) => WorkerLaunch;

const BIND_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

function isBindAddress(host: string): boolean {
  return BIND_HOSTS.has(host);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

/**
 * `controller_address` as a URL: `host`, `host:port` and full URLs are accepted; a missing port is
 * the port the controller is bound to (so a test or a fixed host can name only the address).
 */
export function normalizeControllerAddress(address: string, boundUrl: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`;
  const url = new URL(withScheme);
  if (url.port === '') url.port = new URL(boundUrl).port;
  return url.toString().replace(/\/+$/, '');
}

/**
 * The address a group's VMs dial. Explicit `defaults.bootstrap.controller_address` wins; then the
 * URL the controller was told it is reachable at (`iris controller serve --advertise-url`); else the
 * provider's answer for the controller's reachable address; else the bound address, which only a
 * provider whose VMs share the controller's machine may use (0.0.0.0 becomes 127.0.0.1 there). A
 * remote VM is never told a bind or loopback address: that is an error naming the group and the
 * setting to add.
 */
export async function controllerUrlForGroup(
  group: string,
  platform: Platform,
  boundUrl: string,
  configured: string | undefined,
  advertised?: string,
): Promise<Pick<GroupLaunchPlan, 'controllerUrl' | 'source'>> {
  const local = platform.vmsShareControllerHost === true;
  const explicit: [string | undefined, 'controller_address' | 'advertised', string][] = [
    [configured, 'controller_address', 'defaults.bootstrap.controller_address'],
    [advertised, 'advertised', 'the advertised URL (--advertise-url)'],
  ];
  for (const [address, source, setting] of explicit) {
    if (address === undefined || address === '') continue;
    const url = normalizeControllerAddress(address, boundUrl);
    if (!local && isBindAddress(hostOf(url))) {
      throw new IrisError(
        WORKER_LAUNCH_ERROR,
        `scale_groups.${group}: ${setting} ${url} is a bind address; workers of provider "${platform.type}" run on other machines and cannot dial it. Set defaults.bootstrap.controller_address to an address they reach (this host's IP or DNS name)`,
      );
    }
    return { controllerUrl: url, source };
  }
  const answer = await platform.controllerUrlForVms?.(boundUrl);
  if (answer) return { controllerUrl: answer.replace(/\/+$/, ''), source: 'provider' };
  const host = hostOf(boundUrl);
  if (local) {
    const url = new URL(boundUrl);
    if (isBindAddress(host)) url.hostname = '127.0.0.1';
    return { controllerUrl: url.toString().replace(/\/+$/, ''), source: 'bound address' };
  }
  if (isBindAddress(host) || isLoopback(host)) {
    throw new IrisError(
      WORKER_LAUNCH_ERROR,
      `scale_groups.${group}: workers of provider "${platform.type}" run on other machines and cannot dial the controller at ${boundUrl}; set defaults.bootstrap.controller_address to an address they reach (e.g. http://<this host's IP>:${new URL(boundUrl).port})`,
    );
  }
  return { controllerUrl: boundUrl.replace(/\/+$/, ''), source: 'bound address' };
}

/** The attributes the autoscaler routes demand by, so a job aimed at the group lands on its workers. */
export function groupAttributes(group: ScaleGroupConfig): Record<string, string> {
  return {
    ...group.attributes,
    'scale-group': group.name,
    'iris-group': group.name,
    'accelerator-type': group.accelerator_type,
    'accelerator-variant': group.accelerator_variant,
    preemptible: String(group.preemptible),
  };
}

/**
 * A join token must outlive the longest a slice may take to come up: the create call itself
 * (requesting_timeout) and then boot and init, or startup_grace when that is longer.
 */
export function joinTokenTtlMs(config: ClusterConfig): number {
  const { requesting_timeout, startup_grace } = config.defaults.autoscaler;
  const { boot, init } = config.defaults.timeouts;
  return requesting_timeout + Math.max(startup_grace, boot + init);
}

/** Works out every group's plan once, at controller start; a group no VM could join fails the start. */
export async function planWorkerLaunches(
  config: ClusterConfig,
  platforms: ReadonlyMap<string, Platform>,
  boundUrl: string,
  advertisedUrl?: string,
): Promise<Map<string, GroupLaunchPlan>> {
  const plans = new Map<string, GroupLaunchPlan>();
  const ttl = joinTokenTtlMs(config);
  for (const [name, group] of Object.entries(config.scale_groups)) {
    const platform = platforms.get(name);
    if (!platform) continue; // createAutoscaler reports a group without a platform
    const address = await controllerUrlForGroup(name, platform, boundUrl, config.defaults.bootstrap.controller_address, advertisedUrl);
    plans.set(name, {
      ...address,
      env: { ...config.defaults.bootstrap.env },
      attributes: groupAttributes(group),
      resources: { cpu: group.resources.cpu, memoryBytes: group.resources.ram },
      uses: group.slice_size,
      joinTokenTtlMs: ttl,
    });
  }
  return plans;
}

/** Mints one join token per slice create, with one use per VM of the slice. */
export function workerLaunchFactory(plans: ReadonlyMap<string, GroupLaunchPlan>, credentials: CredentialStore): WorkerLaunchFactory {
  return (group, requestId) => {
    const plan = plans.get(group.name);
    if (!plan) throw new IrisError(WORKER_LAUNCH_ERROR, `scale group "${group.name}" has no worker launch plan`);
    const minted = credentials.mintJoinToken({ requestId, group: group.name, uses: plan.uses, ttlMs: plan.joinTokenTtlMs });
    return {
      controllerUrl: plan.controllerUrl,
      joinToken: minted.token,
      joinTokenExpiresAtMs: minted.expiresAtMs,
      env: plan.env,
      attributes: plan.attributes,
      resources: plan.resources,
    };
  };
}
