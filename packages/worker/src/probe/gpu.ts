export interface GpuFacts {
  /** e.g. `NVIDIA A100-SXM4-80GB`. */
  name: string;
  count: number;
  /** Memory per GPU in bytes. */
  memoryBytes: number;
}

/**
 * Parses `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits` (one line per
 * GPU, memory in MiB). Mixed models on one host are reported as the first model.
 */
export function parseNvidiaSmi(output: string): GpuFacts | undefined {
  const rows = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => l.split(',').map((c) => c.trim()));
  const first = rows[0];
  if (!first || first[0] === undefined || first[0] === '') return undefined;
  const mib = Number(first[1]);
  return { name: first[0], count: rows.length, memoryBytes: Number.isFinite(mib) ? mib * 1024 * 1024 : 0 };
}

/** A scheduler-friendly variant name: `NVIDIA A100-SXM4-80GB` → `a100`. */
export function gpuVariant(name: string): string {
  const m = /\b([AHLBV]\d{1,3}|T4|RTX\s?\d+)\b/i.exec(name.replace(/^NVIDIA\s+/i, ''));
  return (m?.[1] ?? name).replace(/\s+/g, '').toLowerCase();
}
