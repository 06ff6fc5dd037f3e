import { hasErrorCode, type ClusterConfig, type ScaleGroupConfig } from '@iris/core';
import { GCP_RESERVATION_INVALID, resolveCapacity } from '../capacity.js';
import type { GcpControllerConfig, GcpProviderConfig } from '../config-types.js';
import { resolveRuntimeVersion } from '../runtime-versions.js';
import { tpuHostCount } from './tpu-topology.js';
import { isUnroutableAddress } from './unroutable-address.js';

/** A cross-field problem of a cluster file, at a path core turns into file:line:col. */
export interface GcpConfigIssue {
  path: (string | number)[];
  message: string;
  /** Default `error`. A `warning` is printed and the file still loads (rules older files break). */
  severity?: 'error' | 'warning';
}

/**
 * The rules a schema cannot say, checked when the cluster file loads so that a mistake fails with a
 * line number instead of VMs that boot, never register and are recreated forever.
 */
export function validateGcpCluster(config: ClusterConfig): GcpConfigIssue[] {
  const issues: GcpConfigIssue[] = [];
  const groups = Object.values(config.scale_groups).filter((g) => g.provider.type === 'gcp');
  for (const group of groups) issues.push(...validateGcpGroup(group, config));
  if (groups.length > 0) issues.push(...validateControllerAddress(config, groups));
  if (config.controller.provider.type === 'gcp') issues.push(...validateGcpController(config));
  return issues;
}

export function validateGcpGroup(group: ScaleGroupConfig, config: ClusterConfig): GcpConfigIssue[] {
  const issues: GcpConfigIssue[] = [];
  const at = (...rest: (string | number)[]): (string | number)[] => ['scale_groups', group.name, ...rest];
  const provider = group.provider as unknown as GcpProviderConfig;
  if (config.defaults.bootstrap.docker_image === undefined) {
    issues.push({
      path: at('provider'),
      severity: 'warning',
      message:
        'TPU VMs run the worker from a container image, and none is set: add defaults.bootstrap.docker_image (e.g. europe-west4-docker.pkg.dev/PROJECT/iris/iris-worker:TAG)',
    });
  }
  const hosts = tpuHostCount(group.accelerator_variant);
  if (hosts !== undefined && hosts !== group.slice_size) {
    issues.push({
      path: at('slice_size'),
      message: `${group.accelerator_variant} has ${hosts} host${hosts === 1 ? '' : 's'}, so a slice is ${hosts} VM${hosts === 1 ? '' : 's'}: set slice_size: ${hosts} (it is ${group.slice_size}; slice_size counts VMs, not chips)`,
    });
  }
  if (resolveRuntimeVersion(provider, group) === undefined) {
    issues.push({
      path: at('accelerator_variant'),
      message: `no TPU runtime is known for "${group.accelerator_variant}": set provider.runtime_version (e.g. tpu-ubuntu2204-base)`,
    });
  }
  try {
    resolveCapacity(provider, group);
  } catch (err) {
    const field = hasErrorCode(err, GCP_RESERVATION_INVALID) ? 'reservation' : 'capacity';
    issues.push({ path: at('provider', field), message: (err as Error).message.replace(/^scale_groups\.[^:\s]*: /, '') });
  }
  return issues;
}

/**
 * A remote VM must be told an address it can route to. An `http://` api_endpoint is a local
 * emulator whose VMs are played on this machine, where loopback is the right answer.
 */
export function validateControllerAddress(config: ClusterConfig, groups: readonly ScaleGroupConfig[]): GcpConfigIssue[] {
  const address = config.defaults.bootstrap.controller_address;
  if (address === undefined || !isUnroutableAddress(address)) return [];
  const emulated = groups.every((g) => /^http:\/\//.test((g.provider as unknown as GcpProviderConfig).api_endpoint ?? ''));
  if (emulated) return [];
  return [
    {
      path: ['defaults', 'bootstrap', 'controller_address'],
      message: `"${address}" is this machine's own address, which TPU VMs of group${groups.length === 1 ? '' : 's'} ${groups.map((g) => g.name).join(', ')} cannot reach: set the controller's VPC or DNS address (e.g. http://10.164.0.2:10000), or leave it unset for a controller on GCE`,
    },
  ];
}

export function validateGcpController(config: ClusterConfig): GcpConfigIssue[] {
  const issues: GcpConfigIssue[] = [];
  const controller = config.controller.provider as unknown as GcpControllerConfig;
  const fallback = [config.provider, ...Object.values(config.scale_groups).map((g) => g.provider)].find((p) => p?.type === 'gcp') as
    GcpProviderConfig | undefined;
  // The CLI builds the controller's platform from this block alone: it must name its own place.
  if (controller.project_id === undefined) {
    issues.push({
      path: ['controller', 'provider'],
      severity: 'warning',
      message: `the controller VM needs a project: add project_id${fallback ? ` (e.g. project_id: ${fallback.project_id})` : ''}`,
    });
  }
  if (controller.zone === undefined) {
    issues.push({
      path: ['controller', 'provider'],
      severity: 'warning',
      message: `the controller VM needs a zone: add zone${fallback ? ` (e.g. zone: ${fallback.zones[0]})` : ''}`,
    });
  }
  if (controller.image === undefined && config.controller.image === undefined) {
    issues.push({
      path: ['controller'],
      severity: 'warning',
      message:
        'the controller VM runs the controller from a container image, and none is set: add controller.image (e.g. europe-west4-docker.pkg.dev/PROJECT/iris/iris-controller:TAG)',
    });
  }
  return issues;
}
