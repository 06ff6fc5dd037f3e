// One pass of the controller's pure scheduler: 1M pending tasks (100 jobs, 10 resource shapes,
// some with constraints) onto 10k workers of which most are already full.
import { distUrl } from './lib/paths.mjs';
import { schedulerInputs } from './lib/scheduler-inputs.mjs';
import { formatMs, median, sampleMs } from './lib/stats.mjs';

const TASKS = 1_000_000;
const WORKERS = 10_000;
const BAR_MS = 1_000;

export const name = 'scheduler-pass-1m-tasks-10k-workers';
export const bar = `≤ ${BAR_MS} ms`;

export async function run() {
  const { schedule } = await import(distUrl('controller', 'index.js'));
  const { workers, tasks } = schedulerInputs(TASKS, WORKERS);
  let assigned = 0;
  const samples = await sampleMs(
    () => {
      assigned = schedule(tasks, workers).assignments.length;
    },
    { warmup: 1, runs: 5 },
  );
  const ms = median(samples);
  return { figure: formatMs(ms), pass: ms <= BAR_MS, detail: `median of ${samples.length}; ${assigned} assigned, ${TASKS - assigned} with a pending reason` };
}
