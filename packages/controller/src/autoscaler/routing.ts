import type { RoutingStrategy } from '@iris/core';
import { closestMismatch, demandShapeKey, describeMismatch, staticMismatch } from './demand-matching.js';
import { GroupPacker, demandRequest, dominantShare, emptyVm, type SliceAllowance } from './packing.js';
import { roundRobin, strategyOrder, type GroupView } from './routing-strategies.js';
import type { ScalingGroup } from './scaling-group.js';
import { ShapeIndex } from './shape-index.js';
import type { DemandEntry, UnmetReason, UnmetReasonCode, WorkerSnapshot } from './types.js';

/** Entries of one shape that went the same way. */
export interface RoutedBatch {
  readonly group: string;
  readonly entryIds: readonly string[];
}

export interface UnmetBatch {
  readonly reason: UnmetReason;
  readonly entryIds: readonly string[];
}

/** What the strategy made of one group for one shape. */
export interface GroupVerdict {
  readonly group: string;
  readonly outcome: 'chosen' | 'not_needed' | 'skipped' | 'full' | 'held_back';
  /** Tasks (or gangs) it took. */
  readonly took: number;
  /** The strategy's measure (cost per task-hour, waste, slices): what ordered it. */
  readonly measure: string;
  readonly detail: string;
}

/** How one shape of demand was routed: to which groups, and what could not be placed and why. */
export interface ShapeOutcome {
  readonly shape: string;
  readonly sample: DemandEntry;
  readonly routed: readonly RoutedBatch[];
  readonly unmet: UnmetBatch | undefined;
  /** Every matching group, in the order the strategy tried them. */
  readonly verdicts: readonly GroupVerdict[];
}

export interface RoutingDecision {
  readonly atMs: number;
  readonly strategy: RoutingStrategy;
  readonly totalEntries: number;
  /** Slices each group's share of the demand needs, empty slices it has counted first. */
  readonly demandByGroup: ReadonlyMap<string, number>;
  /** Of those, slices to create. */
  readonly newSlicesByGroup: ReadonlyMap<string, number>;
  /** Entries a cluster limit (max_slices_total, max_cost_per_hour) held back, by the group that would have taken them. */
  readonly heldBackByGroup: ReadonlyMap<string, number>;
  readonly shapes: readonly ShapeOutcome[];
  readonly unmetEntries: number;
  /** The cluster limits after this plan: min_slices scale-ups are counted against what is left. */
  readonly limits: ClusterAllowance;
}

export interface RoutingPolicy {
  readonly strategy: RoutingStrategy;
  readonly maxSlicesTotal: number | undefined;
  readonly maxCostPerHour: number | undefined;
}

/** The cluster-wide limits, counted as new slices are planned. */
export class ClusterAllowance implements SliceAllowance {
  constructor(
    private slices: number,
    private costPerHour: number,
    private readonly maxSlices: number | undefined,
    private readonly maxCost: number | undefined,
  ) {}

  open(_group: string, pricePerHour: number | undefined): string | undefined {
    if (this.maxSlices !== undefined && this.slices >= this.maxSlices) {
      return `max_slices_total=${this.maxSlices} (${this.slices} slice(s) alive or planned)`;
    }
    const price = pricePerHour ?? 0;
    if (this.maxCost !== undefined && this.costPerHour + price > this.maxCost + 1e-9) {
      return `max_cost_per_hour=${this.maxCost} (${round(this.costPerHour)}/h alive or planned; one more slice costs ${round(price)}/h)`;
    }
    this.slices++;
    this.costPerHour += price;
    return undefined;
  }
}

/**
 * Routes demand to groups and packs it into their slices. Entries are grouped by shape first, so
 * the cost is O(entries + shapes x groups), never O(entries x groups). Gangs go first (a gang takes
 * a whole slice), then shapes by decreasing dominant share (first-fit decreasing). Per shape, the
 * matching groups are tried pool by pool (pools in the order of their best priority), and within a
 * pool in the strategy's order; quota, stockout and unavailable groups are always skipped. Each
 * group packs what it takes into its empty slices first, then into new ones while its max_slices
 * and the cluster limits allow.
 */
export function routeDemand(
  groups: readonly ScalingGroup[],
  entries: readonly DemandEntry[],
  workers: WorkerSnapshot,
  nowMs: number,
  policy: RoutingPolicy = { strategy: 'priority', maxSlicesTotal: undefined, maxCostPerHour: undefined },
): RoutingDecision {
  const ordered = isRoutingOrder(groups) ? groups : [...groups].sort(byRoutingOrder);
  let liveSlices = 0;
  let liveCost = 0;
  const pre = ordered.map((group) => {
    const c = group.counts(workers);
    liveSlices += c.total;
    liveCost += c.total * (group.pricePerHour ?? 0);
    return { group, c };
  });
  const allowance = new ClusterAllowance(liveSlices, liveCost, policy.maxSlicesTotal, policy.maxCostPerHour);
  const poolRank = new Map<string, number>();
  const views: GroupView[] = pre.map(({ group, c }) => {
    const { state, detail } = group.availability(workers);
    const pool = group.config.pool ?? '';
    if (!poolRank.has(pool)) poolRank.set(pool, poolRank.size); // groups come in priority order
    const empty = c.requesting + c.booting + c.initializing + c.idle;
    const headroom = Math.max(0, group.config.max_slices - c.total);
    const packer = new GroupPacker(group.config, empty, headroom, group.pricePerHour, allowance);
    return { group, state, detail, packer, pool, live: c.total, pending: state === 'requesting' };
  });

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
  const reference = referenceVm(ordered);
  const order = index.buckets.map((bucket, b) => ({ b, gang: bucket.sample.gang_size > 1, share: dominantShare(demandRequest(bucket.sample), reference) }));
  order.sort((x, y) => Number(y.gang) - Number(x.gang) || y.share - x.share || x.b - y.b);

  const outcomes: ShapeOutcome[] = new Array<ShapeOutcome>(index.buckets.length);
  const heldBackByGroup = new Map<string, number>();
  let unmetEntries = 0;
  for (const { b } of order) {
    const { sample, count } = index.buckets[b]!;
    const ids = (): readonly string[] => index.ids(b);
    const request = demandRequest(sample);
    const matching: GroupView[] = [];
    const mismatches: UnmetReasonCode[] = [];
    for (const view of candidatesFor(sample)) {
      const mismatch = staticMismatch(sample, view.group.config);
      if (mismatch === undefined) matching.push(view);
      else mismatches.push(mismatch);
    }
    const tried = strategyOrder(matching, policy, request, poolRank);
    const routed: RoutedBatch[] = [];
    const verdicts: GroupVerdict[] = [];
    let next = 0;
    let limitedBy: { group: string; why: string } | undefined;
    const assign = (view: GroupView, n: number): void => {
      routed.push(lazyBatch(view.group.name, ids, next, next + n));
      next += n;
      view.pending = true;
    };
    const take = (view: GroupView, limit: number): number => {
      const want = Math.min(limit, count - next);
      if (want <= 0) return 0;
      let got = 0;
      if (sample.gang_size > 1) {
        while (got < want && view.packer.placeGang()) got++;
      } else {
        got = view.packer.place(request, want);
      }
      if (got > 0) assign(view, got);
      if (got < want && view.packer.refusal && !view.packer.refusal.startsWith('max_slices=') && !limitedBy) {
        limitedBy = { group: view.group.name, why: view.packer.refusal };
      }
      return got;
    };
    const took = new Map<GroupView, number>();
    if (policy.strategy === 'round_robin') {
      // Spread within a pool; the next pool only gets what the previous ones could not take.
      const pools = new Map<string, GroupView[]>();
      for (const t of tried) if (t.skip === undefined) push(pools, t.view.pool, t.view);
      for (const members of pools.values()) roundRobin(members, request, sample, count, take, took);
    } else {
      for (const t of tried) {
        if (t.skip !== undefined) continue;
        took.set(t.view, take(t.view, Number.POSITIVE_INFINITY));
      }
    }
    for (const t of tried) {
      const n = took.get(t.view) ?? 0;
      const measure = t.measure;
      let verdict: GroupVerdict;
      if (t.skip !== undefined) verdict = { group: t.view.group.name, outcome: 'skipped', took: 0, measure, detail: t.skip };
      else if (n > 0)
        verdict = {
          group: t.view.group.name,
          outcome: 'chosen',
          took: n,
          measure,
          detail: `took ${n}${next < count ? `, then ${refusalText(t.view.packer.refusal)}` : ''}`,
        };
      else if (next >= count) verdict = { group: t.view.group.name, outcome: 'not_needed', took: 0, measure, detail: 'earlier groups took it all' };
      else if (t.view.packer.refusal && !t.view.packer.refusal.startsWith('max_slices='))
        verdict = { group: t.view.group.name, outcome: 'held_back', took: 0, measure, detail: t.view.packer.refusal };
      else verdict = { group: t.view.group.name, outcome: 'full', took: 0, measure, detail: `full (max_slices=${t.view.group.config.max_slices})` };
      verdicts.push(verdict);
    }

    let unmet: UnmetBatch | undefined;
    if (next < count) {
      const from = next;
      unmetEntries += count - from;
      let reason: UnmetReason;
      if (matching.length === 0) {
        const code = closestMismatch(mismatches);
        reason = { code, message: describeMismatch(code, sample) };
      } else if (limitedBy) {
        heldBackByGroup.set(limitedBy.group, (heldBackByGroup.get(limitedBy.group) ?? 0) + (count - from));
        reason = { code: 'held_back_by_limit', message: `held back by ${limitedBy.why}; ${limitedBy.group} would take it` };
      } else {
        const why = verdicts.map((v) => `${v.group}: ${v.detail}`);
        reason = { code: 'no_capacity', message: `every matching group is unable to take it: ${why.join('; ')}` };
      }
      unmet = {
        reason,
        get entryIds() {
          return ids().slice(from);
        },
      };
    }
    outcomes[b] = { shape: demandShapeKey(sample), sample, routed, unmet, verdicts };
  }
  const demandByGroup = new Map<string, number>();
  const newSlicesByGroup = new Map<string, number>();
  for (const view of views) {
    if (view.packer.slicesUsed > 0) demandByGroup.set(view.group.name, view.packer.slicesUsed);
    if (view.packer.newSlices > 0) newSlicesByGroup.set(view.group.name, view.packer.newSlices);
  }
  return {
    atMs: nowMs,
    strategy: policy.strategy,
    totalEntries: entries.length,
    demandByGroup,
    newSlicesByGroup,
    heldBackByGroup,
    shapes: outcomes,
    unmetEntries,
    limits: allowance,
  };
}

/** The largest VM of any group, per resource: dominant shares are measured against it. */
function referenceVm(groups: readonly ScalingGroup[]): ReturnType<typeof emptyVm> {
  const vm = { ...emptyVm(groups[0]?.config ?? FALLBACK_GROUP), freeCpu: 0, freeMemoryBytes: 0, freeDiskBytes: 0, freeAcceleratorCount: 0 };
  for (const g of groups) {
    const v = emptyVm(g.config);
    vm.freeCpu = Math.max(vm.freeCpu, v.freeCpu);
    vm.freeMemoryBytes = Math.max(vm.freeMemoryBytes, v.freeMemoryBytes);
    vm.freeDiskBytes = Math.max(vm.freeDiskBytes, v.freeDiskBytes);
    vm.freeAcceleratorCount = Math.max(vm.freeAcceleratorCount, v.freeAcceleratorCount);
  }
  return vm;
}

const FALLBACK_GROUP = {
  name: '-',
  provider: { type: '-' },
  accelerator_type: 'cpu',
  accelerator_variant: '',
  slice_size: 1,
  resources: { cpu: 1, ram: 1, disk: 1, gpu_count: 0, tpu_count: 0 },
  preemptible: false,
  min_slices: 0,
  max_slices: 0,
  priority: 0,
  attributes: {},
} as const;

function refusalText(refusal: string | undefined): string {
  if (refusal === undefined) return 'no more room';
  return refusal.startsWith('max_slices=') ? `full (${refusal})` : `held back by ${refusal}`;
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(4).replace(/0+$/, '');
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
