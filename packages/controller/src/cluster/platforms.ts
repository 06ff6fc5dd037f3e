import type { ClusterConfig, Platform, PlatformDeps, ProviderConfig } from '@iris/core';
import type { ProviderRegistry } from '@iris/core/config';

/** Stable identity of a provider block: equal blocks share one Platform (and its rate limits). */
function providerKey(config: ProviderConfig): string {
  const sorted = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sorted)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => [k, sorted(v)]),
          )
        : value;
  return JSON.stringify(sorted(config));
}

/** One Platform per distinct provider config; every group mapped to the Platform of its provider. */
export async function createPlatforms(
  config: ClusterConfig,
  registry: ProviderRegistry,
  deps: PlatformDeps,
): Promise<{ byGroup: Map<string, Platform>; all: Platform[] }> {
  const byKey = new Map<string, Platform>();
  const byGroup = new Map<string, Platform>();
  for (const [name, group] of Object.entries(config.scale_groups)) {
    const key = providerKey(group.provider);
    let platform = byKey.get(key);
    if (!platform) {
      platform = await registry.createPlatform(group.provider, deps);
      byKey.set(key, platform);
    }
    byGroup.set(name, platform);
  }
  return { byGroup, all: [...byKey.values()] };
}
