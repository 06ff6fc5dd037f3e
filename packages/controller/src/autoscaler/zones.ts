import type { ScaleGroupConfig } from '@iris/core';

/**
 * The zones a group may create slices in, in preference order. Providers spell this `zones: [...]`
 * or `zone: ...`; a provider without zones (manual, local) yields an empty list.
 */
export function groupZones(group: ScaleGroupConfig): string[] {
  const { zones, zone } = group.provider as { zones?: unknown; zone?: unknown };
  if (Array.isArray(zones)) return zones.filter((z): z is string => typeof z === 'string' && z.length > 0);
  if (typeof zone === 'string' && zone.length > 0) return [zone];
  return [];
}
