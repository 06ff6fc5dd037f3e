import { providerErrorKind, type Clock, type VmInfo, type VmManager } from '@iris/core';
import type { ActionLog } from './action-log.js';
import { isLiveSliceState, setSliceState, type SliceState } from './slice-lifecycle.js';
import type { SliceStore } from './slice-store.js';
import type { ActionType, StoredSlice, WorkerLiveness, WorkerSnapshot } from './types.js';

/** A slice the group tracks: its stored row plus what the provider last said about its VMs. */
export interface TrackedSlice extends StoredSlice {
  readonly vms: readonly VmInfo[];
  readonly rawState?: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The in-memory row: mutable, and with what this process saw of the slice's workers. */
export interface SliceRow extends Mutable<TrackedSlice> {
  vms: VmInfo[];
  terminateInFlight?: boolean;
  /** VM ids whose worker this process saw registered: one missing later means that worker died. */
  registered: Set<string>;
}

export interface GroupCounts {
  requesting: number;
  booting: number;
  initializing: number;
  ready: number;
  /** Ready slices none of whose workers runs a task. */
  idle: number;
  /** Failed, preempted, draining or terminating: on the way out. */
  terminating: number;
  /** Every slice that exists or is being created and is not on the way out. */
  total: number;
}

/**
 * The slices of one group keyed by request id, and the only code that changes them: every state
 * change goes through `move` (the lifecycle table, then the store), every provider call through
 * `track` (so `settle` can wait for it).
 */
export class GroupSlices {
  private readonly rows = new Map<string, SliceRow>();
  private readonly inFlight = new Set<Promise<unknown>>();
  disposed = false;

  constructor(
    readonly group: string,
    private readonly vmManager: VmManager,
    private readonly clock: Clock,
    private readonly store: SliceStore,
    private readonly actionLog: ActionLog,
  ) {}

  all(): SliceRow[] {
    return [...this.rows.values()];
  }

  get(requestId: string): SliceRow | undefined {
    return this.rows.get(requestId);
  }

  /** Slices by provider id (built per call: ids change only when a create returns). */
  bySliceId(): Map<string, SliceRow> {
    const out = new Map<string, SliceRow>();
    for (const row of this.rows.values()) if (row.sliceId !== undefined) out.set(row.sliceId, row);
    return out;
  }

  /** Adds a row in its first state (creation is not a transition). */
  add(row: SliceRow): void {
    this.rows.set(row.requestId, row);
    this.persist(row);
  }

  /** Moves a slice through the lifecycle table (throws on an illegal move) and stores it. */
  move(row: SliceRow, to: SliceState, why: string): boolean {
    if (!setSliceState(row, to, why)) return false;
    if (to === 'gone') this.forget(row);
    else this.persist(row);
    return true;
  }

  /** The provider confirmed the slice is gone (or it never existed): the row goes. */
  forget(row: SliceRow): void {
    if (this.rows.get(row.requestId) === row) this.rows.delete(row.requestId);
    if (!this.disposed) this.store.delete(this.group, row.requestId);
  }

  persist(row: SliceRow): void {
    if (this.disposed || this.rows.get(row.requestId) !== row) return;
    const { vms: _vms, rawState: _raw, terminateInFlight: _t, registered: _r, ...stored } = row;
    this.store.upsert(stored);
  }

  record(type: ActionType, reason: string, row?: { sliceId?: string | undefined; requestId: string }): void {
    if (this.disposed) return;
    this.actionLog.record(this.clock.now(), type, this.group, reason, row ? (row.sliceId ?? `request ${row.requestId}`) : undefined);
  }

  counts(workers: WorkerSnapshot): GroupCounts {
    const c: GroupCounts = { requesting: 0, booting: 0, initializing: 0, ready: 0, idle: 0, terminating: 0, total: 0 };
    for (const s of this.rows.values()) {
      if (!isLiveSliceState(s.state) || s.state === 'draining') {
        c.terminating++;
        continue;
      }
      c[s.state as 'requesting' | 'booting' | 'initializing' | 'ready']++;
      if (s.state === 'ready' && !isBusy(s, workers)) c.idle++;
      c.total++;
    }
    return c;
  }

  /** Issues the terminate of a slice that is `terminating`; success makes it gone. */
  issueTerminate(row: SliceRow): void {
    if (row.sliceId === undefined) {
      this.move(row, 'gone', 'never created');
      return;
    }
    row.terminateInFlight = true;
    this.track(
      this.vmManager.terminateSlice(row.sliceId).then(
        () => {
          row.terminateInFlight = false;
          if (!this.disposed && row.state === 'terminating') this.move(row, 'gone', 'provider confirmed the terminate');
        },
        (err: unknown) => {
          row.terminateInFlight = false;
          this.record('terminate_failed', `terminate failed (${providerErrorKind(err)}); retrying next evaluation`, row);
        },
      ),
    );
  }

  track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    const done = (): void => {
      this.inFlight.delete(p);
    };
    p.then(done, done);
  }

  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}

/**
 * The registered worker on a VM: workers register under their VM id; a snapshot keyed by the
 * VM's address is matched too (several local VMs share one address, so the id comes first).
 */
export function workerOf(vm: { vmId: string; address: string }, workers: WorkerSnapshot): WorkerLiveness | undefined {
  return workers.get(vm.vmId) ?? (vm.address ? workers.get(vm.address) : undefined);
}

export function isBusy(slice: TrackedSlice, workers: WorkerSnapshot): boolean {
  for (const vm of slice.vms) {
    const w = workerOf(vm, workers);
    if (w && w.runningTasks > 0) return true;
  }
  return false;
}
