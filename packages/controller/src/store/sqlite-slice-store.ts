import type { SliceStore } from '../autoscaler/slice-store.js';
import { sliceStateFromStored } from '../autoscaler/slice-lifecycle.js';
import type { StoredSlice } from '../autoscaler/types.js';
import type { SliceRow, StateStore } from './state-store.js';

/** The autoscaler's SliceStore on the controller database's `slices` table, keyed by request id. */
export class SqliteSliceStore implements SliceStore {
  constructor(
    private readonly store: StateStore,
    private readonly now: () => number,
  ) {}

  upsert(slice: StoredSlice): void {
    const row: SliceRow = {
      group_name: slice.group,
      request_id: slice.requestId,
      slice_id: slice.sliceId ?? null,
      zone: slice.zone ?? null,
      state: slice.state,
      created_at: slice.createdAtMs,
      ready_at: slice.readyAtMs ?? null,
      last_active: slice.lastActiveMs ?? null,
      liveness_deadline: slice.livenessDeadlineMs,
      vms: '[]',
      last_change: this.now(),
    };
    this.store.transaction(() => this.store.upsertSlice(row));
  }

  delete(group: string, requestId: string): void {
    this.store.transaction(() => this.store.deleteSlice(group, requestId));
  }

  list(group: string): StoredSlice[] {
    return this.store.listSlices(group).map(toSlice);
  }

  loadAll(): StoredSlice[] {
    return this.store.listSlices().map(toSlice);
  }
}

function toSlice(r: SliceRow): StoredSlice {
  return {
    group: r.group_name,
    requestId: r.request_id,
    ...(r.slice_id === null ? {} : { sliceId: r.slice_id }),
    ...(r.zone === null ? {} : { zone: r.zone }),
    state: sliceStateFromStored(r.state),
    createdAtMs: r.created_at,
    ...(r.ready_at === null ? {} : { readyAtMs: r.ready_at }),
    ...(r.last_active === null ? {} : { lastActiveMs: r.last_active }),
    livenessDeadlineMs: r.liveness_deadline,
  };
}
