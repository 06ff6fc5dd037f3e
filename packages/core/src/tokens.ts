/**
 * Injection tokens shared by the registry, the composition roots and provider plugins. They are
 * strings, not symbols or classes, so two copies of @iris/core still agree on them.
 */
export const TOKENS = {
  /** Every provider plugin registers one `PlatformFactory` under this token. */
  platformFactory: 'iris:PlatformFactory',
} as const;
