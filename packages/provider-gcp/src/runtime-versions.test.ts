import { describe, expect, it } from 'vitest';
import { defaultRuntimeVersion, resolveRuntimeVersion } from './runtime-versions.js';

describe('defaultRuntimeVersion', () => {
  it.each([
    ['v5litepod-16', 'v2-alpha-tpuv5-lite'],
    ['v5p-8', 'v2-alpha-tpuv5'],
    ['v6e-256', 'v2-alpha-tpuv6e'],
    ['v4-8', 'tpu-ubuntu2204-base'],
    ['V4-32', 'tpu-ubuntu2204-base'],
  ])('%s runs %s', (variant, runtime) => {
    expect(defaultRuntimeVersion(variant)).toBe(runtime);
  });

  it('knows no runtime for an unknown generation or a prefix that only looks alike', () => {
    expect(defaultRuntimeVersion('a100')).toBeUndefined();
    expect(defaultRuntimeVersion('v40-8')).toBeUndefined();
  });

  it("prefers the group's own runtime_version", () => {
    expect(resolveRuntimeVersion({ runtime_version: 'custom' }, { accelerator_variant: 'v4-8' })).toBe('custom');
    expect(resolveRuntimeVersion({}, { accelerator_variant: 'v4-8' })).toBe('tpu-ubuntu2204-base');
  });
});
