import type { ActionType, AutoscalerAction, GroupAvailability, UnmetReason } from './types.js';
import type { RoutingDecision } from './routing.js';
import type { ScalingGroup } from './scaling-group.js';
import type { WorkerSnapshot } from './types.js';
import type { VmState } from '@iris/core';
import type { SliceState } from './slice-lifecycle.js';

export interface VmStatus {
  readonly vmId: string;
  readonly address: string;
  readonly zone?: string;
  readonly state: VmState;
  readonly rawState?: string;
  readonly initPhase?: string;
}

export interface SliceStatus {
  /** Absent while the create call has not returned. */
  readonly sliceId?: string;
  readonly requestId: string;
  readonly zone?: string;
  readonly state: SliceState;
  readonly rawState?: string;
  readonly createdAtMs: number;
  readonly readyAtMs?: number;
  readonly lastActiveMs?: number;
  readonly livenessDeadlineMs: number;
  readonly vms: readonly VmStatus[];
}

export interface GroupStatus {
  readonly name: string;
  readonly providerType: string;
  readonly priority: number;
  /** The group's pool; absent: the unnamed pool of every group without one. */
  readonly pool?: string;
  /** What one slice costs per hour (the provider's price, else cost_per_hour). */
  readonly pricePerHour?: number;
  /** Tasks a cluster limit held back from this group in the last evaluation. */
  readonly heldBack: number;
  readonly availability: GroupAvailability;
  readonly availabilityDetail: string;
  readonly minSlices: number;
  readonly maxSlices: number;
  readonly sliceSize: number;
  readonly counts: { requesting: number; booting: number; initializing: number; ready: number; idle: number; terminating: number; total: number };
  /** Demand entries routed here by the last evaluation. */
  readonly demand: number;
  readonly consecutiveFailures: number;
  readonly backoffUntilMs?: number;
  readonly quotaUntilMs?: number;
  readonly rateLimitedUntilMs?: number;
  readonly stockouts: readonly { zone: string; untilMs: number }[];
  readonly unavailableReason?: string;
  readonly lastScaleUpMs?: number;
  readonly lastScaleDownMs?: number;
  readonly lastDecision: string;
  readonly slices: readonly SliceStatus[];
}

/** The routing decision in a bounded form for status output (entry ids capped per batch). */
export interface RoutingSummary {
  readonly atMs: number;
  readonly strategy: string;
  readonly heldBackByGroup: Readonly<Record<string, number>>;
  readonly totalEntries: number;
  readonly unmetEntries: number;
  readonly demandByGroup: Readonly<Record<string, number>>;
  readonly unmet: readonly { reason: UnmetReason; count: number; sampleEntryIds: readonly string[] }[];
}

export interface AutoscalerStatus {
  readonly atMs: number;
  readonly groups: readonly GroupStatus[];
  readonly createsInFlight: number;
  readonly lastRouting: RoutingSummary | undefined;
  readonly recentActions: readonly AutoscalerAction[];
}

/** Why one shape of pending demand waits. */
export interface DemandExplanation {
  readonly entryIds: readonly string[];
  readonly outcome: 'routed' | 'unmet';
  readonly group?: string;
  readonly reason: string;
  /** The routing strategy's verdict on every matching group, in the order it tried them. */
  readonly verdicts?: readonly string[];
}

export interface GroupExplanation {
  readonly name: string;
  readonly slices: number;
  readonly availability: GroupAvailability;
  readonly why: readonly string[];
}

export interface AutoscalerExplanation {
  readonly atMs: number;
  /** The routing strategy of the last evaluation. */
  readonly strategy?: string;
  readonly groups: readonly GroupExplanation[];
  readonly demand: readonly DemandExplanation[];
  /** The most recent decisions with their causes (preemption, zone fall-through, quota, host failures), oldest first. */
  readonly recentDecisions?: readonly AutoscalerAction[];
}

const SAMPLE_IDS = 20;

export function groupStatus(group: ScalingGroup, workers: WorkerSnapshot): GroupStatus {
  const { state, detail } = group.availability(workers);
  const h = group.health;
  return {
    name: group.name,
    providerType: group.config.provider.type,
    priority: group.config.priority,
    ...(group.config.pool === undefined ? {} : { pool: group.config.pool }),
    ...(group.pricePerHour === undefined ? {} : { pricePerHour: group.pricePerHour }),
    heldBack: group.heldBack,
    availability: state,
    availabilityDetail: detail,
    minSlices: group.config.min_slices,
    maxSlices: group.config.max_slices,
    sliceSize: group.config.slice_size,
    counts: group.counts(workers),
    demand: group.routedDemand,
    consecutiveFailures: h.consecutiveFailures,
    ...(h.backoffUntilMs ? { backoffUntilMs: h.backoffUntilMs } : {}),
    ...(h.quotaUntilMs ? { quotaUntilMs: h.quotaUntilMs } : {}),
    ...(h.rateLimitedUntilMs ? { rateLimitedUntilMs: h.rateLimitedUntilMs } : {}),
    stockouts: h.stockouts(),
    ...(h.unavailableReason === undefined ? {} : { unavailableReason: h.unavailableReason }),
    ...(group.lastScaleUpMs === undefined ? {} : { lastScaleUpMs: group.lastScaleUpMs }),
    ...(group.lastScaleDownMs === undefined ? {} : { lastScaleDownMs: group.lastScaleDownMs }),
    lastDecision: group.lastDecision,
    slices: group.trackedSlices().map((s) => ({
      ...(s.sliceId === undefined ? {} : { sliceId: s.sliceId }),
      requestId: s.requestId,
      ...(s.zone === undefined ? {} : { zone: s.zone }),
      state: s.state,
      ...(s.rawState === undefined ? {} : { rawState: s.rawState }),
      createdAtMs: s.createdAtMs,
      ...(s.readyAtMs === undefined ? {} : { readyAtMs: s.readyAtMs }),
      ...(s.lastActiveMs === undefined ? {} : { lastActiveMs: s.lastActiveMs }),
      livenessDeadlineMs: s.livenessDeadlineMs,
      vms: s.vms.map((vm) => ({
        vmId: vm.vmId,
        address: vm.address,
        ...(vm.zone === undefined ? {} : { zone: vm.zone }),
        state: vm.state,
        ...(vm.rawState === undefined ? {} : { rawState: vm.rawState }),
        ...(vm.initPhase === undefined ? {} : { initPhase: vm.initPhase }),
      })),
    })),
  };
}

export function summarizeRouting(decision: RoutingDecision): RoutingSummary {
  return {
    atMs: decision.atMs,
    strategy: decision.strategy,
    heldBackByGroup: Object.fromEntries(decision.heldBackByGroup),
    totalEntries: decision.totalEntries,
    unmetEntries: decision.unmetEntries,
    demandByGroup: Object.fromEntries(decision.demandByGroup),
    unmet: decision.shapes.flatMap((s) =>
      s.unmet ? [{ reason: s.unmet.reason, count: s.unmet.entryIds.length, sampleEntryIds: s.unmet.entryIds.slice(0, SAMPLE_IDS) }] : [],
    ),
  };
}

const SIZE_ACTIONS: ReadonlySet<ActionType> = new Set([
  'scale_up',
  'scale_down',
  'liveness_reap',
  'failed_cleanup',
  'worker_failed',
  'adopt',
  'quota_exceeded',
  'stockout',
  'unavailable',
  'scale_up_failed',
  'backoff',
  'rate_limited',
  'requesting_timeout',
]);

export function explainGroup(status: GroupStatus, actions: readonly AutoscalerAction[]): GroupExplanation {
  const c = status.counts;
  const why = [
    `${c.total} slice(s): ${c.ready} ready (${c.idle} idle), ${c.initializing} initializing, ${c.booting} booting, ${c.requesting} requesting; ${c.terminating} terminating`,
    `bounds: min_slices=${status.minSlices}, max_slices=${status.maxSlices}; demand packs into ${status.demand} slice(s)${status.heldBack ? `; ${status.heldBack} task(s) held back by a cluster limit` : ''}`,
    `state: ${status.availability} (${status.availabilityDetail})`,
    `last decision: ${status.lastDecision}`,
  ];
  // Where each slice's boot is, as its VMs report it (`[iris-init] Phase:`), until its workers register.
  for (const slice of status.slices) {
    if (slice.state !== 'booting' && slice.state !== 'initializing') continue;
    const byPhase = new Map<string, number>();
    for (const vm of slice.vms) if (vm.initPhase !== undefined) byPhase.set(vm.initPhase, (byPhase.get(vm.initPhase) ?? 0) + 1);
    if (byPhase.size === 0) continue;
    const phases = [...byPhase].map(([phase, n]) => `${phase} on ${n}/${slice.vms.length} VM(s)`).join(', ');
    why.push(`slice ${slice.sliceId ?? slice.requestId} (${slice.state}): boot phase ${phases}`);
  }
  const last = [...actions].reverse().find((a) => a.group === status.name && SIZE_ACTIONS.has(a.type));
  if (last) why.push(`last size change: ${last.type} at ${new Date(last.atMs).toISOString()}: ${last.reason}`);
  return { name: status.name, slices: c.total, availability: status.availability, why };
}

export function explainDemand(decision: RoutingDecision | undefined, groups: ReadonlyMap<string, GroupStatus>): DemandExplanation[] {
  if (!decision) return [];
  const out: DemandExplanation[] = [];
  for (const shape of decision.shapes) {
    const verdicts = shape.verdicts.map((v) => `${v.group}: ${v.outcome.replace('_', ' ')} (${v.measure}): ${v.detail}`);
    const withVerdicts = verdicts.length > 0 ? { verdicts } : {};
    for (const batch of shape.routed) {
      const g = groups.get(batch.group);
      const state = g ? `${g.availability}: ${g.lastDecision}` : 'unknown group';
      out.push({
        entryIds: batch.entryIds,
        outcome: 'routed',
        group: batch.group,
        reason: `${decision.strategy} routing chose ${batch.group}; waiting for its slice (${state})`,
        ...withVerdicts,
      });
    }
    if (shape.unmet)
      out.push({ entryIds: shape.unmet.entryIds, outcome: 'unmet', reason: `${shape.unmet.reason.code}: ${shape.unmet.reason.message}`, ...withVerdicts });
  }
  return out;
}
