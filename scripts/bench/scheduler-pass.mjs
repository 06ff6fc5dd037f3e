// One scheduler pass: 100k pending tasks onto 10k workers (see lib/scheduler-pass-bench.mjs).
import { schedulerPassRun } from './lib/scheduler-pass-bench.mjs';

const BAR_MS = 400;

export const name = 'scheduler-pass-100k-tasks-10k-workers';
export const bar = `≤ ${BAR_MS} ms`;
export const run = schedulerPassRun({ tasks: 100_000, workers: 10_000, barMs: BAR_MS, runs: 7 });
