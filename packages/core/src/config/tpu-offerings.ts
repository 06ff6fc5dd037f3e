/**
 * What Google publishes about TPU VM shapes and where TPUs are offered: enough for the loader to fill in a group's
 * `resources` and `slice_size` from its `accelerator_variant`, and to turn a Python Iris `region:` into zones.
 * Checked against https://cloud.google.com/tpu/docs/regions-zones and the per-generation system architecture pages;
 * a variant or region outside these tables is never guessed: the loader asks for the value instead.
 */

/** One VM (host) of a TPU slice. */
export interface TpuHostShape {
  cpu: number;
  /** Memory per VM, written as the cluster file would. */
  ram: string;
  /** TPU chips per VM. */
  tpu_count: number;
}

export interface TpuSliceShape {
  /** VMs per slice: the group's slice_size. */
  hosts: number;
  host: TpuHostShape;
}

interface Family {
  /** What N in `family-N` counts. */
  per: 'core' | 'chip';
  sizes: readonly number[];
  /** The VM of a slice with this many chips per host. */
  hostByChips: Readonly<Record<number, TpuHostShape>>;
}

const powersOfTwo = (from: number, to: number): number[] => {
  const out: number[] = [];
  for (let n = from; n <= to; n *= 2) out.push(n);
  return out;
};

const FAMILIES: Readonly<Record<string, Family>> = {
  v2: { per: 'core', sizes: powersOfTwo(8, 512), hostByChips: { 4: { cpu: 96, ram: '334GiB', tpu_count: 4 } } },
  v3: { per: 'core', sizes: powersOfTwo(8, 2048), hostByChips: { 4: { cpu: 96, ram: '340GiB', tpu_count: 4 } } },
  v4: { per: 'core', sizes: powersOfTwo(8, 8192), hostByChips: { 4: { cpu: 240, ram: '407GiB', tpu_count: 4 } } },
  v5p: { per: 'core', sizes: powersOfTwo(8, 12288), hostByChips: { 4: { cpu: 208, ram: '448GiB', tpu_count: 4 } } },
  v5litepod: {
    per: 'chip',
    sizes: powersOfTwo(1, 256),
    hostByChips: {
      1: { cpu: 24, ram: '48GiB', tpu_count: 1 },
      2: { cpu: 48, ram: '96GiB', tpu_count: 2 },
      4: { cpu: 112, ram: '192GiB', tpu_count: 4 },
      8: { cpu: 224, ram: '384GiB', tpu_count: 8 },
    },
  },
  v6e: {
    per: 'chip',
    sizes: powersOfTwo(1, 256),
    hostByChips: {
      1: { cpu: 44, ram: '176GiB', tpu_count: 1 },
      2: { cpu: 90, ram: '360GiB', tpu_count: 2 },
      4: { cpu: 180, ram: '720GiB', tpu_count: 4 },
      8: { cpu: 180, ram: '1440GiB', tpu_count: 8 },
    },
  },
};

/** The shape of one slice of `variant` (`v5litepod-16`, `v4-8`, `v6e-256`), or undefined for one this table does not know. */
export function tpuSliceShape(variant: string): TpuSliceShape | undefined {
  const m = /^(v2|v3|v4|v5p|v5litepod|v5e|v6e)-(\d+)$/.exec(variant.trim().toLowerCase());
  if (!m) return undefined;
  const family = FAMILIES[m[1] === 'v5e' ? 'v5litepod' : m[1]!]!;
  const n = Number(m[2]);
  if (!family.sizes.includes(n)) return undefined;
  const chips = family.per === 'core' ? n / 2 : n;
  // Core-counted generations have 4 chips per host; v5e and v6e put up to 8 chips on one host, 4 per host beyond that.
  const chipsPerHost = family.per === 'core' ? 4 : chips <= 8 ? chips : 4;
  const host = family.hostByChips[chipsPerHost];
  if (host === undefined) return undefined;
  return { hosts: Math.max(1, chips / chipsPerHost), host };
}

/** Zones where Cloud TPUs are offered, by region. */
export const TPU_ZONES_BY_REGION: Readonly<Record<string, readonly string[]>> = {
  'us-central1': ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f'],
  'us-central2': ['us-central2-b'],
  'us-east1': ['us-east1-c', 'us-east1-d'],
  'us-east5': ['us-east5-a', 'us-east5-b', 'us-east5-c'],
  'us-south1': ['us-south1-a'],
  'us-west1': ['us-west1-c'],
  'us-west4': ['us-west4-a', 'us-west4-b'],
  'europe-west4': ['europe-west4-a', 'europe-west4-b'],
  'asia-east1': ['asia-east1-c'],
  'asia-northeast1': ['asia-northeast1-b'],
  'asia-southeast1': ['asia-southeast1-b', 'asia-southeast1-c'],
};
