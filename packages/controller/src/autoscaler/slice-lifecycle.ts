import { IrisError, type VmState } from '@iris/core';

/**
 * The life of a slice as the autoscaler sees it. `requesting`: the create call has not returned
 * (the slice has no provider id yet). `booting` / `initializing`: the provider holds VMs that are
 * not all serving a registered worker. `ready`: the worker of every VM has registered.
 * `draining`: chosen for scale-down, no new work. `terminating`: a terminate was issued. `gone`:
 * the provider confirmed it is gone (the row is deleted). `failed` / `preempted`: lost without
 * being asked; they are terminated (idempotently) and then gone.
 */
export const SLICE_STATES = ['requesting', 'booting', 'initializing', 'ready', 'draining', 'terminating', 'gone', 'failed', 'preempted'] as const;
export type SliceState = (typeof SLICE_STATES)[number];

const LOST = ['failed', 'preempted'] as const;

/** Every legal move. Staying in the same state is always allowed (and is a no-op). */
export const SLICE_TRANSITIONS: Readonly<Record<SliceState, readonly SliceState[]>> = Object.freeze({
  requesting: ['booting', 'initializing', ...LOST, 'terminating', 'gone'],
  booting: ['initializing', 'ready', ...LOST, 'terminating', 'gone'],
  initializing: ['ready', ...LOST, 'terminating', 'gone'],
  ready: ['draining', ...LOST, 'terminating', 'gone'],
  draining: ['ready', ...LOST, 'terminating', 'gone'],
  terminating: ['gone'],
  failed: ['terminating', 'gone'],
  preempted: ['terminating', 'gone'],
  gone: [],
});

export const SLICE_ILLEGAL_TRANSITION = 'IRIS_SLICE_ILLEGAL_TRANSITION';

export function canTransition(from: SliceState, to: SliceState): boolean {
  return from === to || SLICE_TRANSITIONS[from].includes(to);
}

/**
 * The one way a slice changes state: refuses a move the table does not allow (a bug in the
 * caller, never a provider's whim: provider answers go through `providerTarget` first).
 */
export function setSliceState(
  slice: { state: SliceState; readonly requestId: string; readonly sliceId?: string | undefined },
  to: SliceState,
  why: string,
): boolean {
  const from = slice.state;
  if (from === to) return false;
  if (!SLICE_TRANSITIONS[from].includes(to)) {
    throw new IrisError(
      SLICE_ILLEGAL_TRANSITION,
      `slice ${slice.sliceId ?? `(request ${slice.requestId})`} cannot move from ${from} to ${to} (${why}); allowed from ${from}: ${SLICE_TRANSITIONS[from].join(', ') || 'nothing'}`,
    );
  }
  slice.state = to;
  return true;
}

/** Slices that exist or are being created and still count towards the group's size. */
export function isLiveSliceState(state: SliceState): boolean {
  return state === 'requesting' || state === 'booting' || state === 'initializing' || state === 'ready' || state === 'draining';
}

/** Lost without being asked to go: terminated at once by the housekeeping pass. */
export function isLostSliceState(state: SliceState): boolean {
  return state === 'failed' || state === 'preempted';
}

/**
 * Where the provider's view of a slice's VMs moves it, before worker registration is looked at:
 * a slice whose VMs are all provider-ready is `initializing` until its workers register. A
 * provider answer that would move the slice backwards (ready VMs reported booting again during
 * a repair) keeps the current state; the caller checks with `canTransition`.
 */
export function providerTarget(vmStates: readonly VmState[]): SliceState {
  if (vmStates.length === 0) return 'booting';
  if (vmStates.some((s) => s === 'preempted')) return 'preempted';
  if (vmStates.some((s) => s === 'failed' || s === 'terminated' || s === 'terminating')) return 'failed';
  if (vmStates.every((s) => s === 'ready' || s === 'initializing')) return 'initializing';
  return 'booting';
}

/**
 * Slice states written by earlier versions (VM states) read as lifecycle states, so a database
 * from before the lifecycle table still loads.
 */
export function sliceStateFromStored(state: string): SliceState {
  if ((SLICE_STATES as readonly string[]).includes(state)) return state as SliceState;
  if (state === 'unknown') return 'booting';
  if (state === 'terminated') return 'gone';
  return 'failed';
}
