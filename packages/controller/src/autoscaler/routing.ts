import { closestMismatch, demandShapeKey, describeMismatch, staticMismatch } from './demand-matching.js';
import type { ScalingGroup } from './scaling-group.js';
import { ShapeIndex } from './shape-index.js';
import type { DemandEntry, GroupAvailability, UnmetReason, UnmetReasonCode, WorkerSnapshot } from './types.js';

/** Entries of one shape that went the same way. */
export interface RoutedBatch {
  readonly group: string;
  readonly entryIds: readonly string[];
}

export interface UnmetBatch {
  readonly reason: UnmetReason;
  readonly entryIds: readonly string[];
}

/** How one shape of demand was routed: to which groups, and what could not be placed and why. */
export interface ShapeOutcome {
  readonly shape: string;
  readonly sample: DemandEntry;
  readonly routed: readonly RoutedBatch[];
  readonly unmet: UnmetBatch | undefined;
}

export interface RoutingDecision {
  readonly atMs: number;
  readonly totalEntries: number;
  /** Entries routed to each group (each consumes one slice there). */
  readonly demandByGroup: ReadonlyMap<string, number>;
  readonly shapes: readonly ShapeOutcome[];
  readonly unmetEntries: number;
}

/** Groups routing never hands demand to: they cannot create now. */
const SKIPPED: ReadonlySet<GroupAvailability> = new Set(['unavailable', 'quota', 'stockout']);

interface GroupView {
  readonly group: ScalingGroup;
  readonly state: GroupAvailability;
  readonly detail: string;
  budget: number;
  pending: boolean;
}

/**
 * Routes demand to groups. Entries are grouped by shape first, so the cost is O(entries +
 * shapes x groups), never O(entries x groups). Per shape: groups already scaling (requesting, or
 * picked earlier in this pass) come first, then the rest by priority (lower first); quota, stockout
 * and unavailable groups are skipped; each entry consumes one slice of a group's budget.
 */
export function routeDemand(
  groups: readonly ScalingGroup[],
  entries: readonly DemandEntry[],
  workers: WorkerSnapshot,
  nowMs: number,
): RoutingDecision {
  const ordered = isRoutingOrder(groups) ? groups : [...groups].sort(byRoutingOrder);
  const views: GroupView[] = ordered.map((group) => {
    const { state, detail } = group.availability(workers);
    return { group, state, detail, budget: group.routingBudget(workers), pending: state === 'requesting' };
  });

  // Candidate groups per accelerator, so a shape is only matched against groups that could fit it.
  const byType = new Map<string, GroupView[]>();
  const byVariant = new Map<string, GroupView[]>();
  for (const view of views) {
    const c = view.group.config;
    push(byType, c.accelerator_type, view);
    push(byVariant, `${c.accelerator_type}|${c.accelerator_variant}`, view);
  }
  const candidatesFor = (entry: DemandEntry): readonly GroupView[] => {
    if (entry.accelerator_type === 'cpu') return views;
    if (entry.accelerator_variant === undefined) return byType.get(entry.accelerator_type) ?? [];
    return byVariant.get(`${entry.accelerator_type}|${entry.accelerator_variant}`) ?? [];
  };

  const index = new ShapeIndex(entries);

  const demandByGroup = new Map<string, number>();
  const outcomes: ShapeOutcome[] = [];
  let unmetEntries = 0;
  for (let b = 0; b < index.buckets.length; b++) {
    const { sample, count } = index.buckets[b]!;
    const ids = (): readonly string[] => index.ids(b);
    const shape = demandShapeKey(sample);
    const matching: GroupView[] = [];
    const mismatches: UnmetReasonCode[] = [];
    for (const view of candidatesFor(sample)) {
      const mismatch = staticMismatch(sample, view.group.config);
      if (mismatch === undefined) matching.push(view);
      else mismatches.push(mismatch);
    }
    const routed: RoutedBatch[] = [];
    let next = 0;
    const take = (view: GroupView): void => {
      const n = Math.min(count - next, view.budget);
      if (n <= 0) return;
      routed.push(lazyBatch(view.group.name, ids, next, next + n));
      next += n;
      view.budget -= n;
      view.pending = true;
      demandByGroup.set(view.group.name, (demandByGroup.get(view.group.name) ?? 0) + n);
    };
    for (const view of matching) if (view.pending && !SKIPPED.has(view.state)) take(view);
    for (const view of matching) if (!SKIPPED.has(view.state)) take(view);

    let unmet: UnmetBatch | undefined;
    if (next < count) {
      const from = next;
      unmetEntries += count - from;
      let reason: UnmetReason;
      if (matching.length === 0) {
        const code = closestMismatch(mismatches);
        reason = { code, message: describeMismatch(code, sample) };
      } else {
        const why = matching.map((v) => `${v.group.name}: ${SKIPPED.has(v.state) ? `${v.state} (${v.detail})` : `full (max_slices=${v.group.config.max_slices})`}`);
        reason = { code: 'no_capacity', message: `every matching group is unable to take it: ${why.join('; ')}` };
      }
      unmet = {
        reason,
        get entryIds() {
          return ids().slice(from);
        },
      };
    }
    outcomes.push({ shape, sample, routed, unmet });
  }
  return { atMs: nowMs, totalEntries: entries.length, demandByGroup, shapes: outcomes, unmetEntries };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Entry ids are copied out only when someone asks (explain, status), not on every evaluation. */
function lazyBatch(group: string, ids: () => readonly string[], from: number, to: number): RoutedBatch {
  return {
    group,
    get entryIds() {
      return ids().slice(from, to);
    },
  };
}

/** Priority (lower first), then name, so equal priorities route deterministically. */
export function byRoutingOrder(a: ScalingGroup, b: ScalingGroup): number {
  return a.config.priority - b.config.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function isRoutingOrder(groups: readonly ScalingGroup[]): boolean {
  for (let i = 1; i < groups.length; i++) if (byRoutingOrder(groups[i - 1]!, groups[i]!) > 0) return false;
  return true;
}
