// One pass of the controller's pure scheduler over `tasks` pending tasks (100 jobs, 10 resource
// shapes, some with constraints) onto `workers` workers of which most are already full.
import { distUrl } from './paths.mjs';
import { schedulerInputs } from './scheduler-inputs.mjs';
import { formatMs, median, sampleMs } from './stats.mjs';

/** The `run` of a scheduler-pass benchmark: the median pass time against `barMs`. */
export function schedulerPassRun({ tasks: taskCount, workers: workerCount, barMs, runs }) {
  return async () => {
    const { schedule } = await import(distUrl('controller', 'index.js'));
    const { workers, tasks } = schedulerInputs(taskCount, workerCount);
    let assigned = 0;
    const samples = await sampleMs(
      () => {
        assigned = schedule(tasks, workers).assignments.length;
      },
      { warmup: 1, runs },
    );
    const ms = median(samples);
    return {
      figure: formatMs(ms),
      pass: ms <= barMs,
      detail: `median of ${samples.length}; ${assigned} assigned, ${taskCount - assigned} with a pending reason`,
    };
  };
}
