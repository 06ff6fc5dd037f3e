import type { StoredSlice } from './types.js';

/**
 * Where the autoscaler keeps its slices, so a restarted controller knows what it asked for. The
 * controller's SQLite `slices` table implements this; methods are synchronous because
 * better-sqlite3 is, and every call is one small transaction.
 */
export interface SliceStore {
  /** Inserts or replaces the row keyed by (group, requestId). */
  upsert(slice: StoredSlice): void;
  /** Removes one row; removing a missing row is not an error. */
  delete(group: string, requestId: string): void;
  list(group: string): StoredSlice[];
  /** Every row of every group, read once at start. */
  loadAll(): StoredSlice[];
}

/** A SliceStore in memory: for tests, the simulator, and controllers run without a state dir. */
export class InMemorySliceStore implements SliceStore {
  private readonly groups = new Map<string, Map<string, StoredSlice>>();

  upsert(slice: StoredSlice): void {
    let rows = this.groups.get(slice.group);
    if (!rows) {
      rows = new Map();
      this.groups.set(slice.group, rows);
    }
    rows.set(slice.requestId, { ...slice });
  }

  delete(group: string, requestId: string): void {
    this.groups.get(group)?.delete(requestId);
  }

  list(group: string): StoredSlice[] {
    return [...(this.groups.get(group)?.values() ?? [])].map((s) => ({ ...s }));
  }

  loadAll(): StoredSlice[] {
    return [...this.groups.keys()].flatMap((g) => this.list(g));
  }
}
