import type { InstanceTypeOffering, Platform } from '@iris/core';
import type { ScalingGroup } from './scaling-group.js';
import { groupZones } from './zones.js';

/**
 * Asks each platform that lists its offerings (`listInstanceTypes`) which types are available, and
 * marks the groups whose type the provider reports unavailable in their zones: the `availability`
 * strategy skips them before trying them. A listing that fails or is slow changes nothing (the
 * create's own answer still counts); it is advice, never a reason to stop.
 */
export async function markUnavailableOfferings(groups: readonly ScalingGroup[], platforms: ReadonlyMap<string, Platform>, timeoutMs: number): Promise<void> {
  const byPlatform = new Map<Platform, ScalingGroup[]>();
  for (const g of groups) {
    const p = platforms.get(g.name);
    if (!p?.listInstanceTypes) continue;
    byPlatform.set(p, [...(byPlatform.get(p) ?? []), g]);
  }
  await Promise.all(
    [...byPlatform].map(async ([platform, members]) => {
      let offers: InstanceTypeOffering[];
      try {
        offers = await withTimeout(platform.listInstanceTypes!(), timeoutMs);
      } catch {
        return;
      }
      for (const g of members) {
        const zones = groupZones(g.config);
        const offer = offers.find((o) => o.name === g.config.accelerator_variant && (zones.length === 0 || o.zones.some((z) => zones.includes(z))));
        g.offeringUnavailable = offer && !offer.available ? `${offer.name} in ${offer.zones.join(', ') || 'every zone'}` : undefined;
      }
    }),
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms}ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
