/**
 * How many hosts (VMs) a TPU accelerator type has, from Google's published topologies:
 * - v2-N, v3-N, v4-N, v5p-N: N counts TensorCores, 8 per host (4 chips of 2 cores), so N/8 hosts.
 * - v5litepod-N (v5e) and v6e-N (Trillium): N counts chips; 1, 4 and 8 chips fit on one host,
 *   larger slices have 4 chips per host, so N/4 hosts.
 * Undefined for a name outside these families or a size Google does not offer, so an unknown
 * variant is left to the API rather than refused here.
 */
export function tpuHostCount(acceleratorVariant: string): number | undefined {
  const m = /^(v2|v3|v4|v5p|v5litepod|v5e|v6e)-(\d+)$/.exec(acceleratorVariant.trim().toLowerCase());
  if (!m) return undefined;
  const family = m[1]!;
  const n = Number(m[2]);
  if (!Number.isSafeInteger(n) || n < 1) return undefined;
  const sizes = TPU_SIZES[family]!;
  if (n > sizes.max || !isPowerOfTwo(n) || n < sizes.min) return undefined;
  if (sizes.per === 'core') return n / 8;
  return n <= 8 ? 1 : n / 4;
}

interface FamilySizes {
  /** What N in `family-N` counts. */
  per: 'core' | 'chip';
  min: number;
  max: number;
}

const TPU_SIZES: Record<string, FamilySizes> = {
  v2: { per: 'core', min: 8, max: 512 },
  v3: { per: 'core', min: 8, max: 2048 },
  v4: { per: 'core', min: 8, max: 8192 },
  v5p: { per: 'core', min: 8, max: 12288 },
  v5litepod: { per: 'chip', min: 1, max: 256 },
  v5e: { per: 'chip', min: 1, max: 256 },
  v6e: { per: 'chip', min: 1, max: 256 },
};

function isPowerOfTwo(n: number): boolean {
  return (n & (n - 1)) === 0;
}
