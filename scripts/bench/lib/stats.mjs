/** Small statistics for benchmarks: medians are robust to the odd slow run on a shared machine. */
export function median(values) {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list of numbers. */
export function percentile(values, p) {
  if (values.length === 0) throw new Error('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** Milliseconds taken by `fn` (sync or async), measured with the monotonic clock. */
export async function timeMs(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times; returns each run's milliseconds. */
export async function sampleMs(fn, { warmup = 2, runs = 15 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await timeMs(fn));
  return samples;
}

export function formatMs(ms) {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}
