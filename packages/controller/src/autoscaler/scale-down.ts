import { formatElapsed } from '@iris/core';
import type { GroupCounts, SliceRow } from './group-slices.js';
import { isBusy } from './group-slices.js';
import type { WorkerSnapshot } from './types.js';

export interface ScaleDownChoice {
  readonly slice: SliceRow;
  readonly reason: string;
}

export interface ScaleDownPolicy {
  /** Slices the group keeps whatever the demand. */
  readonly minSlices: number;
  /** How long a slice must have been idle. */
  readonly idleMs: number;
  /** No scale-down before this time (the cooldown after the group's last scale-up or scale-down). */
  readonly notBeforeMs: number;
}

/**
 * The idle ready slices to release beyond max(demand, min_slices): the longest idle first, each
 * idle for at least the idle threshold. A slice that never ran a task counts as idle since it was
 * ready. Nothing is released during the scale-down cooldown.
 */
export function chooseScaleDown(
  slices: readonly SliceRow[],
  counts: GroupCounts,
  demand: number,
  workers: WorkerSnapshot,
  nowMs: number,
  policy: ScaleDownPolicy,
): ScaleDownChoice[] {
  const target = Math.max(demand, policy.minSlices);
  let excess = counts.total - target;
  if (excess <= 0 || nowMs < policy.notBeforeMs) return [];
  const idle = slices
    .filter((s) => s.state === 'ready' && !isBusy(s, workers))
    .map((s) => ({ s, since: s.lastActiveMs ?? s.readyAtMs ?? s.createdAtMs }))
    .filter((x) => nowMs - x.since >= policy.idleMs)
    .sort((a, b) => a.since - b.since);
  const out: ScaleDownChoice[] = [];
  for (const { s, since } of idle) {
    if (excess <= 0) break;
    out.push({ slice: s, reason: `idle for ${formatElapsed(nowMs - since)} >= scale_down_delay; ${counts.total - out.length} slices > target ${target}` });
    excess--;
  }
  return out;
}
