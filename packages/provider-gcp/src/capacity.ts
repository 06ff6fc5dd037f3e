import { IrisError } from '@iris/core';
import type { GcpCapacity, GcpProviderConfig } from './config-types.js';

export const GCP_CONFIG_CONFLICT = 'IRIS_GCP_CONFIG_CONFLICT';
/** `reservation` names no reservation a group can use (bad form, or a zone the group does not list). */
export const GCP_RESERVATION_INVALID = 'IRIS_GCP_RESERVATION_INVALID';

/** How a group's slices are to be obtained, once `capacity` and the group's flag are reconciled. */
export interface GcpCapacityPlan {
  readonly capacity: GcpCapacity;
  /** Create through the Queued Resources API rather than a direct node create. */
  readonly queuedResource: boolean;
  /** The reservation's full name, `projects/P/locations/Z/reservations/NAME`, when one is named. */
  readonly reservation?: string;
  /** The reservation's zone: the only zone a slice of this group can be created in. */
  readonly reservationZone?: string;
}

/**
 * Reconciles the provider block's `capacity` with the group-level `preemptible` flag. An explicit
 * `capacity` wins; a contradiction (a preemptible group on on-demand or reserved capacity, a
 * reservation without reserved capacity) is a config error rather than a silent pick.
 */
export function resolveCapacity(
  provider: Pick<GcpProviderConfig, 'capacity' | 'queued_resource' | 'reservation'> & Partial<Pick<GcpProviderConfig, 'project_id' | 'zones'>>,
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
  const queuedResource = queuesResources(provider);
  if (provider.reservation === undefined) return { capacity, queuedResource };
  const named = reservationName(provider.reservation, provider.project_id ?? '', provider.zones ?? []);
  return { capacity, queuedResource, reservation: named.name, reservationZone: named.zone };
}

/**
 * Whether a block's slices go through the Queued Resources API. A named reservation is only
 * reachable through a queued resource (reservationName); plain `capacity: reserved` keeps the
 * direct create with schedulingConfig.reserved.
 */
export function queuesResources(provider: Pick<GcpProviderConfig, 'queued_resource' | 'reservation'>): boolean {
  return provider.queued_resource || provider.reservation !== undefined;
}

/** `projects/P/locations/Z/reservations/NAME`, written out in full or as a bare name. */
export const RESERVATION_PATH = /^projects\/([^/]+)\/(?:locations|zones)\/([^/]+)\/reservations\/([a-z]([-a-z0-9]*[a-z0-9])?)$/;
export const RESERVATION_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The full name of a group's reservation. A reservation is zonal: a bare name lives in the group's
 * only zone; a full path names its zone, which must be one of the group's zones.
 */
export function reservationName(reservation: string, project: string, zones: readonly string[]): { name: string; zone: string } {
  const path = RESERVATION_PATH.exec(reservation);
  if (path) {
    const zone = path[2]!;
    if (zones.length > 0 && !zones.includes(zone)) {
      throw new IrisError(
        GCP_RESERVATION_INVALID,
        `reservation "${reservation}" is in zone ${zone}, which is not one of the group's zones (${zones.join(', ')}); add ${zone} to zones or name a reservation in one of them`,
      );
    }
    return { name: `projects/${path[1]}/locations/${zone}/reservations/${path[3]}`, zone };
  }
  if (!RESERVATION_NAME.test(reservation)) {
    throw new IrisError(
      GCP_RESERVATION_INVALID,
      `reservation "${reservation}" is neither a reservation name (lowercase letters, digits, dashes) nor projects/PROJECT/locations/ZONE/reservations/NAME`,
    );
  }
  if (zones.length !== 1) {
    throw new IrisError(
      GCP_RESERVATION_INVALID,
      `reservation "${reservation}" is zonal, but the group lists ${zones.length} zones (${zones.join(', ')}): keep only the reservation's zone, or write it as projects/${project || 'PROJECT'}/locations/ZONE/reservations/${reservation}`,
    );
  }
  return { name: `projects/${project}/locations/${zones[0]}/reservations/${reservation}`, zone: zones[0]! };
}
