export { schedule } from './scheduler.js';
export { matchesConstraint, matchesAll, describeConstraint } from './constraints.js';
export type { PendingTask, WorkerCapacity, Assignment, ScheduleResult, WaitingGroup } from './types.js';
