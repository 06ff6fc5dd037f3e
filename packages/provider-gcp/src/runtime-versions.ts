/**
 * The TPU software version Google recommends per accelerator generation, keyed by the prefix of
 * `accelerator_variant` (`v5litepod-16` → `v5litepod`). Longest prefix first, so `v5p` is not
 * taken for a `v5litepod`.
 */
const RUNTIME_BY_GENERATION: readonly (readonly [prefix: string, runtime: string])[] = [
  ['v5litepod', 'v2-alpha-tpuv5-lite'],
  ['v6e', 'v2-alpha-tpuv6e'],
  ['v5p', 'v2-alpha-tpuv5'],
  ['v4', 'tpu-ubuntu2204-base'],
  ['v3', 'tpu-ubuntu2204-base'],
  ['v2', 'tpu-ubuntu2204-base'],
];

/** The runtime for a variant such as `v5litepod-16`, or undefined for an unknown generation. */
export function defaultRuntimeVersion(acceleratorVariant: string): string | undefined {
  const variant = acceleratorVariant.toLowerCase();
  for (const [prefix, runtime] of RUNTIME_BY_GENERATION) {
    if (variant === prefix || variant.startsWith(`${prefix}-`)) return runtime;
  }
  return undefined;
}

/** The group's own `runtime_version`, else the recommended one for its accelerator. */
export function resolveRuntimeVersion(provider: { readonly runtime_version?: string }, group: { readonly accelerator_variant: string }): string | undefined {
  return provider.runtime_version ?? defaultRuntimeVersion(group.accelerator_variant);
}
