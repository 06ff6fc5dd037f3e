import type { JobState, TaskCounts } from '@iris/core/api';

/**
 * A job's state from its task counts, in O(1). A task in a terminal failure state has exhausted its
 * retries (a retried task goes back to PENDING), so one such task decides the job.
 */
export function deriveJobState(counts: TaskCounts, replicas: number): JobState {
  if (counts.SUCCEEDED === replicas) return 'SUCCEEDED';
  if (counts.FAILED > 0) return 'FAILED';
  if (counts.WORKER_FAILED > 0) return 'WORKER_FAILED';
  if (counts.UNSCHEDULABLE > 0) return 'UNSCHEDULABLE';
  if (counts.KILLED > 0) return 'KILLED';
  if (counts.ASSIGNED + counts.BUILDING + counts.RUNNING + counts.SUCCEEDED > 0) return 'RUNNING';
  return 'PENDING';
}
