/**
 * TPU facts from the variables the bootstrap script exports (read from GCE metadata there):
 * TPU_NAME, TPU_WORKER_ID, TPU_ACCELERATOR_TYPE (or TPU_TYPE), TPU_TOPOLOGY, TPU_WORKER_HOSTNAMES.
 */
export interface TpuFacts {
  name: string | undefined;
  /** e.g. `v5litepod-16`. */
  variant: string | undefined;
  workerId: number | undefined;
  topology: string | undefined;
  /** Chips attached to this host. */
  chipsPerHost: number;
  /** Hosts in the slice. */
  vmCount: number;
}

/**
 * Chips per host and host count of a TPU variant. In v2–v4 and v5p names the number counts
 * TensorCores (two per chip); in v5e/v6e names it counts chips. Single-host v5e/v6e hold up to 8
 * chips; multi-host slices have 4 per host.
 */
export function tpuShape(variant: string): { chipsPerHost: number; vmCount: number } | undefined {
  const m = /^(v\d+[a-z]*?)(litepod|lite|e|p)?-(\d+)$/.exec(variant.trim().toLowerCase());
  if (!m) return undefined;
  const generation = m[1] ?? '';
  const suffix = m[2] ?? '';
  const n = Number(m[3]);
  if (!Number.isInteger(n) || n <= 0) return undefined;
  const countsChips = suffix === 'litepod' || suffix === 'lite' || suffix === 'e' || /^v6/.test(generation);
  const chips = countsChips ? n : Math.max(1, n / 2);
  if (countsChips && chips <= 8) return { chipsPerHost: chips, vmCount: 1 };
  const perHost = Math.min(4, chips);
  return { chipsPerHost: perHost, vmCount: Math.max(1, Math.ceil(chips / perHost)) };
}

/** Reads TPU facts from the environment and devices; undefined on a machine without TPUs. */
export function probeTpu(env: Readonly<Record<string, string | undefined>>, accelDevices: string[]): TpuFacts | undefined {
  const variant = env['TPU_ACCELERATOR_TYPE'] ?? env['TPU_TYPE'];
  const name = env['TPU_NAME'];
  if (variant === undefined && name === undefined && accelDevices.length === 0) return undefined;
  const shape = variant === undefined ? undefined : tpuShape(variant);
  const workerIdText = env['TPU_WORKER_ID'];
  const workerId = workerIdText !== undefined && /^\d+$/.test(workerIdText) ? Number(workerIdText) : undefined;
  const hostnames = (env['TPU_WORKER_HOSTNAMES'] ?? '').split(',').filter((h) => h.trim() !== '');
  return {
    name,
    variant,
    workerId,
    topology: env['TPU_TOPOLOGY'],
    // Devices present on the host are the ground truth; the variant table covers containers that
    // cannot see /dev.
    chipsPerHost: accelDevices.length > 0 ? accelDevices.length : (shape?.chipsPerHost ?? 0),
    vmCount: hostnames.length > 0 ? hostnames.length : (shape?.vmCount ?? 1),
  };
}
