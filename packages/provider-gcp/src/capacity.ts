import { IrisError } from '@iris/core';
import type { GcpCapacity, GcpProviderConfig } from './config-types.js';

export const GCP_CONFIG_CONFLICT = 'IRIS_GCP_CONFIG_CONFLICT';

/** How a group's slices are to be obtained, once `capacity` and the group's flag are reconciled. */
export interface GcpCapacityPlan {
  readonly capacity: GcpCapacity;
  /** Create through the Queued Resources API rather than a direct node create. */
  readonly queuedResource: boolean;
  readonly reservation?: string;
}

/**
 * Reconciles the provider block's `capacity` with the group-level `preemptible` flag. An explicit
 * `capacity` wins; a contradiction (a preemptible group on on-demand or reserved capacity, a
 * reservation without reserved capacity) is a config error rather than a silent pick.
 */
export function resolveCapacity(
  provider: Pick<GcpProviderConfig, 'capacity' | 'queued_resource' | 'reservation'>,
  group: { readonly name: string; readonly preemptible: boolean },
): GcpCapacityPlan {
  const capacity: GcpCapacity = provider.capacity ?? (group.preemptible ? 'preemptible' : 'on_demand');
  if (group.preemptible && (capacity === 'on_demand' || capacity === 'reserved')) {
    throw new IrisError(
      GCP_CONFIG_CONFLICT,
      `scale_groups.${group.name}: "preemptible: true" contradicts "provider.capacity: ${capacity}"; ` +
        'remove one of them (use capacity: preemptible or spot for preemptible VMs)',
    );
  }
  if (provider.reservation !== undefined && capacity !== 'reserved') {
    throw new IrisError(
      GCP_CONFIG_CONFLICT,
      `scale_groups.${group.name}.provider.reservation is set but capacity is "${capacity}"; ` + 'set "capacity: reserved" or remove the reservation',
    );
  }
  return {
    capacity,
    queuedResource: capacity === 'reserved' || provider.queued_resource,
    ...(provider.reservation !== undefined ? { reservation: provider.reservation } : {}),
  };
}
