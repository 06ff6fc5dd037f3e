// `@iris/core/provider-kit`: the helpers every provider repeats.
export { assertWorkerLaunch, workerJoinCommand } from './worker-join.js';
export type { WorkerJoinCommand, WorkerJoinOptions } from './worker-join.js';
export { SliceRecordStore } from './slice-record-store.js';
export type { SliceRecordBase } from './slice-record-store.js';
export { sliceIdFor } from './slice-id.js';
export { WORKER_JOIN_ENV, WORKER_JOIN_REFUSED_EXIT_CODE } from '../worker-launch.js';
export type { WorkerLaunch } from '../worker-launch.js';
