import { describe, expect, it } from 'vitest';
import { estimateTpuCost, TPU_PRICES_AS_OF, tpuHourlyPrice, tpuVariantChips } from './tpu-prices.js';

describe('TPU price table', () => {
  it('is dated', () => {
    expect(TPU_PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('counts chips the way each generation names its variants', () => {
    expect(tpuVariantChips('v4-8')).toEqual({ generation: 'v4', chips: 4 });
    expect(tpuVariantChips('v5p-16')).toEqual({ generation: 'v5p', chips: 8 });
    expect(tpuVariantChips('v5litepod-16')).toEqual({ generation: 'v5litepod', chips: 16 });
    expect(tpuVariantChips('v6e-8')).toEqual({ generation: 'v6e', chips: 8 });
    expect(tpuVariantChips('a100')).toBeUndefined();
  });

  it('prices a node per chip, on demand and preemptible', () => {
    expect(tpuHourlyPrice('v5litepod-16', false)).toBe(19.2);
    expect(tpuHourlyPrice('v5litepod-16', true)).toBe(9.6);
    expect(tpuHourlyPrice('v4-8', false)).toBe(12.88);
    expect(tpuHourlyPrice('v9-8', false)).toBeUndefined();
  });

  it('estimates one slice of a group over hours', () => {
    expect(estimateTpuCost({ accelerator_variant: 'v6e-8', preemptible: true }, 10)).toBe(108);
    expect(estimateTpuCost({ accelerator_variant: 'v6e-8', preemptible: false }, 0.5)).toBe(10.8);
    expect(estimateTpuCost({ accelerator_variant: 'unknown', preemptible: false }, 1)).toBeUndefined();
  });
});
