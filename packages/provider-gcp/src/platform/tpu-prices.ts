import type { ScaleGroupConfig } from '@iris/core';

/** When the table below was last checked against https://cloud.google.com/tpu/pricing. */
export const TPU_PRICES_AS_OF = '2025-06-01';

/**
 * List prices in USD per chip-hour in us-central regions (other regions cost up to ~15% more).
 * `preemptible` is the spot/preemptible price. Maintained by hand: update with the date above.
 */
export const TPU_CHIP_HOUR_PRICES: Readonly<Record<string, { onDemand: number; preemptible: number }>> = {
  v2: { onDemand: 1.125, preemptible: 0.3375 },
  v3: { onDemand: 2.2, preemptible: 0.66 },
  v4: { onDemand: 3.22, preemptible: 0.966 },
  v5litepod: { onDemand: 1.2, preemptible: 0.6 },
  v5p: { onDemand: 4.2, preemptible: 2.1 },
  v6e: { onDemand: 2.7, preemptible: 1.35 },
};

/**
 * Generation and chip count of a variant such as `v5litepod-16`. In v2–v4 and v5p names the number
 * counts TensorCores (two per chip); in v5e (`v5litepod`) and v6e names it counts chips.
 */
export function tpuVariantChips(variant: string): { generation: string; chips: number } | undefined {
  const m = /^(v2|v3|v4|v5litepod|v5p|v6e)-(\d+)$/.exec(variant.trim().toLowerCase());
  if (!m) return undefined;
  const generation = m[1]!;
  const n = Number(m[2]);
  const countsCores = generation === 'v2' || generation === 'v3' || generation === 'v4' || generation === 'v5p';
  return { generation, chips: countsCores ? Math.max(1, n / 2) : n };
}

/** Hourly price of one node of `variant`, or undefined for a variant the table does not know. */
export function tpuHourlyPrice(variant: string, preemptible: boolean): number | undefined {
  const shape = tpuVariantChips(variant);
  const price = shape === undefined ? undefined : TPU_CHIP_HOUR_PRICES[shape.generation];
  if (!shape || !price) return undefined;
  return round(shape.chips * (preemptible ? price.preemptible : price.onDemand));
}

/** The cost of one slice of `group` running for `hours`: a group's cost is per slice it holds. */
export function estimateTpuCost(group: Pick<ScaleGroupConfig, 'accelerator_variant' | 'preemptible'>, hours: number): number | undefined {
  const hourly = tpuHourlyPrice(group.accelerator_variant, group.preemptible);
  return hourly === undefined ? undefined : round(hourly * hours);
}

function round(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}
