import type { ResourceRequest } from '@iris/core/api';
import { dominantShare, emptyVm, tasksPerSlice, type GroupPacker } from './packing.js';
import type { RoutingPolicy } from './routing.js';
import type { ScalingGroup } from './scaling-group.js';
import type { DemandEntry, GroupAvailability } from './types.js';

/** Groups routing never hands demand to: they cannot create now. */
export const SKIPPED: ReadonlySet<GroupAvailability> = new Set(['unavailable', 'quota', 'stockout']);

/** One group as routing sees it during one evaluation. */
export interface GroupView {
  readonly group: ScalingGroup;
  readonly state: GroupAvailability;
  readonly detail: string;
  readonly packer: GroupPacker;
  readonly pool: string;
  readonly live: number;
  pending: boolean;
}

export interface Tried {
  readonly view: GroupView;
  /** Why the strategy skips this group; undefined when it is tried. */
  readonly skip: string | undefined;
  readonly measure: string;
}

/** Matching groups in the order the strategy tries them, pool by pool. */
export function strategyOrder(matching: readonly GroupView[], policy: RoutingPolicy, request: ResourceRequest, poolRank: ReadonlyMap<string, number>): Tried[] {
  const scored = matching.map((view, i) => {
    let skip = SKIPPED.has(view.state) ? `${view.state} (${view.detail})` : undefined;
    if (skip === undefined && policy.strategy === 'availability') {
      if (view.state === 'backoff') skip = `backoff (${view.detail})`;
      else if (view.group.offeringUnavailable !== undefined) skip = `reported unavailable by the provider (${view.group.offeringUnavailable})`;
    }
    const { score, measure } = strategyScore(view, policy, request);
    return { view, skip, score, measure, i };
  });
  const pool = (x: { view: GroupView }): number => poolRank.get(x.view.pool) ?? 0;
  // Under priority, groups already scaling come first within their pool: their slices are coming anyway.
  const pending = (x: { view: GroupView }): number => (policy.strategy === 'priority' && x.view.pending ? 0 : 1);
  scored.sort((a, b) => pool(a) - pool(b) || pending(a) - pending(b) || a.score - b.score || a.i - b.i);
  return scored.map(({ view, skip, measure }) => ({ view, skip, measure }));
}

function strategyScore(view: GroupView, policy: RoutingPolicy, request: ResourceRequest): { score: number; measure: string } {
  const config = view.group.config;
  switch (policy.strategy) {
    case 'cost': {
      const perSlice = tasksPerSlice(request, config);
      const price = view.group.pricePerHour;
      if (price === undefined) return { score: Number.POSITIVE_INFINITY, measure: 'no price' };
      const perTask = Number.isFinite(perSlice) ? price / perSlice : 0;
      return { score: perTask, measure: `${round(perTask)}/task-hour (${round(price)}/slice-hour)` };
    }
    case 'least_waste': {
      const vm = emptyVm(config);
      const perVm = Math.min(tasksPerSlice(request, config) / config.slice_size, 1e9);
      const used = Math.min(1, perVm * dominantShare(request, vm));
      const idleAccelerators = vm.freeAcceleratorCount > 0 && (request.accelerator?.count ?? 0) === 0 ? 1 : 0;
      const waste = 1 - used + idleAccelerators;
      return { score: waste, measure: `${Math.round(waste * 100)}% of a VM unused${idleAccelerators ? ' (accelerators idle)' : ''}` };
    }
    case 'round_robin':
      return { score: view.live, measure: `${view.live} slice(s)` };
    default:
      return { score: 0, measure: `priority ${config.priority}` };
  }
}

/** New slices one at a time to the group with the fewest (alive plus planned), like balancing similar node groups. */
export function roundRobin(
  views: readonly GroupView[],
  request: ResourceRequest,
  sample: DemandEntry,
  count: number,
  take: (view: GroupView, limit: number) => number,
  took: Map<GroupView, number>,
): void {
  const open = [...views];
  let placed = 0;
  for (const n of took.values()) placed += n;
  while (placed < count && open.length > 0) {
    let best = 0;
    for (let i = 1; i < open.length; i++) {
      const a = open[i]!;
      const b = open[best]!;
      if (a.live + a.packer.newSlices < b.live + b.packer.newSlices) best = i;
    }
    const view = open[best]!;
    const perSlice = sample.gang_size > 1 ? 1 : tasksPerSlice(request, view.group.config);
    const got = take(view, Number.isFinite(perSlice) ? Math.max(1, perSlice) : count);
    if (got === 0) open.splice(best, 1);
    took.set(view, (took.get(view) ?? 0) + got);
    placed += got;
  }
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(4).replace(/0+$/, '');
}
