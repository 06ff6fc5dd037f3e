import { describe, expect, it } from 'vitest';
import { tpuHostCount } from './tpu-topology.js';

describe('tpuHostCount', () => {
  it.each([
    ['v2-8', 1],
    ['v2-32', 4],
    ['v3-8', 1],
    ['v3-128', 16],
    ['v4-8', 1],
    ['v4-16', 2],
    ['v4-32', 4],
    ['v4-128', 16],
    ['v5p-8', 1],
    ['v5p-16', 2],
    ['v5p-256', 32],
    ['v5litepod-1', 1],
    ['v5litepod-4', 1],
    ['v5litepod-8', 1],
    ['v5litepod-16', 4],
    ['v5litepod-32', 8],
    ['v5litepod-256', 64],
    ['v6e-1', 1],
    ['v6e-8', 1],
    ['v6e-16', 4],
    ['v6e-64', 16],
  ])('%s has %i host(s)', (variant, hosts) => {
    expect(tpuHostCount(variant)).toBe(hosts);
  });

  it('knows nothing of names or sizes outside the table', () => {
    for (const v of ['a100', 'v7-8', 'v4-12', 'v5litepod-512', 'v4-4', 'v5litepod-0', '']) expect(tpuHostCount(v)).toBeUndefined();
  });
});
