// One scheduler pass: 1M pending tasks onto 10k workers (see lib/scheduler-pass-bench.mjs).
import { schedulerPassRun } from './lib/scheduler-pass-bench.mjs';

const BAR_MS = 1_000;

export const name = 'scheduler-pass-1m-tasks-10k-workers';
export const bar = `≤ ${BAR_MS} ms`;
export const run = schedulerPassRun({ tasks: 1_000_000, workers: 10_000, barMs: BAR_MS, runs: 5 });
