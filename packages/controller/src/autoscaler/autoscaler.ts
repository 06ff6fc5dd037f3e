import type { AutoscalerConfig, Clock, Logger, Platform, TimerHandle } from '@iris/core';
import type { ActionLog } from './action-log.js';
import type { CreateSlots } from './create-slots.js';
import { markUnavailableOfferings } from './offerings.js';
import { sweepOrphans, type OrphanReport } from './orphans.js';
import { byRoutingOrder, routeDemand, type ClusterAllowance, type RoutingDecision } from './routing.js';
import type { ScaleUpPlan } from './scale-up.js';
import type { ScalingGroup } from './scaling-group.js';
import type { SliceStore } from './slice-store.js';
import { explainDemand, explainGroup, groupStatus, summarizeRouting, type AutoscalerExplanation, type AutoscalerStatus, type GroupStatus } from './status.js';
import type { DemandEntry, StoredSlice, WorkerSnapshot } from './types.js';

/** Where the autoscaler reads the world from on each evaluation. */
export interface AutoscalerInputs {
  /** Pending demand now: one entry per pending task, a gang as one entry. */
  readonly demand: () => readonly DemandEntry[];
  /** Registered workers now, keyed by VM address. */
  readonly workers: () => WorkerSnapshot;
}

/** How long reconcile waits for a provider's offerings (advice only) before going on without. */
const OFFERINGS_TIMEOUT_MS = 30_000;

/** Decisions `explain` shows, newest last. */
const RECENT_DECISIONS = 30;

export interface EvaluationReport {
  readonly atMs: number;
  readonly routing: RoutingDecision;
  readonly launched: number;
  readonly terminated: number;
}

export interface ReconcileOptions {
  /** Labelled VMs nobody accounts for are terminated only once older than this. */
  readonly orphanMinAgeMs: number;
  /** Report what would be terminated without terminating it. */
  readonly dryRun: boolean;
}

export interface ReconcileReport {
  readonly adopted: number;
  readonly reissued: number;
  readonly dropped: number;
  readonly orphans: readonly OrphanReport[];
}

export interface AutoscalerParts {
  readonly clusterName: string;
  readonly groups: readonly ScalingGroup[];
  /** The platform each group's slices live on, by group name. */
  readonly platforms: ReadonlyMap<string, Platform>;
  readonly config: AutoscalerConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: SliceStore;
  readonly inputs: AutoscalerInputs;
  readonly actionLog: ActionLog;
  readonly createSlots: CreateSlots;
}

/**
 * Turns pending demand into slices across scale groups. An evaluation is cheap and synchronous
 * apart from refreshing slice states; provider calls run in the background. New demand
 * (`notifyDemand`) evaluates at once; `evaluation_interval` is the ceiling between evaluations.
 */
export class Autoscaler {
  private readonly byName: ReadonlyMap<string, ScalingGroup>;
  private readonly ordered: readonly ScalingGroup[];
  private interval: TimerHandle | undefined;
  private soon: TimerHandle | undefined;
  private wake: { handle: TimerHandle; atMs: number } | undefined;
  private running: Promise<EvaluationReport> | undefined;
  private stopped = false;
  private lastRouting: RoutingDecision | undefined;
  /** demandNote's index over lastRouting, built on first use. */
  private notes: Map<string, string> | undefined;

  constructor(private readonly parts: AutoscalerParts) {
    this.ordered = [...parts.groups].sort(byRoutingOrder);
    this.byName = new Map(this.ordered.map((g) => [g.name, g]));
  }

  groups(): readonly ScalingGroup[] {
    return this.ordered;
  }

  group(name: string): ScalingGroup | undefined {
    return this.byName.get(name);
  }

  /** Evaluates every `evaluation_interval` from now on. */
  start(): void {
    if (this.stopped || this.interval) return;
    this.interval = this.parts.clock.setInterval(() => this.evaluateSoon(), this.parts.config.evaluation_interval);
  }

  /**
   * Stops evaluating and ignores results of provider calls still in flight (a controller that
   * shuts down or dies). VMs are left as they are; `terminateAll()` is the way to remove them.
   */
  stop(): void {
    this.stopped = true;
    this.interval?.cancel();
    this.soon?.cancel();
    this.wake?.handle.cancel();
    this.interval = this.soon = this.wake = undefined;
    for (const g of this.ordered) g.dispose();
  }

  /** New demand arrived: evaluate now rather than at the next interval. */
  notifyDemand(): void {
    this.evaluateSoon();
  }

  /** A worker died (controller-side detection): its slice is terminated at once. */
  notifyWorkerFailed(vmIdOrAddress: string, reason: string): boolean {
    for (const g of this.ordered) if (g.notifyWorkerFailed(vmIdOrAddress, reason)) return true;
    return false;
  }

  /** Runs one evaluation (after any already running one). */
  async runOnce(): Promise<EvaluationReport> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.evaluate();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /** Resolves when no evaluation is running (one may be mid-flight after a timer fired). */
  async evaluating(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  /** Resolves once every provider call started so far has settled (advance a FakeClock meanwhile). */
  async settle(): Promise<void> {
    for (;;) {
      if (this.running) await this.running.catch(() => undefined);
      await Promise.all(this.ordered.map((g) => g.settle()));
      if (!this.running) return;
    }
  }

  /**
   * Start-up reconciliation: adopt what the provider lists under this cluster's labels (matching
   * stored rows by slice or request id), re-issue creates the store had in flight, and terminate
   * labelled VMs nobody accounts for once older than `orphanMinAgeMs` (only reported in dry run).
   */
  async reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
    const rows = new Map<string, StoredSlice[]>();
    for (const row of this.parts.store.loadAll()) {
      if (!this.byName.has(row.group)) {
        // The group left the config; its VMs are swept below as orphans.
        this.parts.store.delete(row.group, row.requestId);
        continue;
      }
      const list = rows.get(row.group) ?? [];
      list.push(row);
      rows.set(row.group, list);
    }
    const results = await Promise.all(this.ordered.map((g) => g.restore(rows.get(g.name) ?? [])));
    const orphans = await sweepOrphans(this.sweepParts(), options);
    // Only the availability strategy acts on the providers' offerings; the others never ask.
    if (this.parts.config.routing === 'availability') await markUnavailableOfferings(this.ordered, this.parts.platforms, OFFERINGS_TIMEOUT_MS);
    return {
      adopted: results.reduce((n, r) => n + r.adopted, 0),
      reissued: results.reduce((n, r) => n + r.reissued, 0),
      dropped: results.reduce((n, r) => n + r.dropped, 0),
      orphans,
    };
  }

  /**
   * `iris stop`: no more evaluations, then terminate every slice of every group and every labelled
   * worker VM left. Resolves when the provider confirmed each terminate (advance a FakeClock).
   */
  async terminateAll(): Promise<OrphanReport[]> {
    this.stopped = true;
    this.interval?.cancel();
    this.soon?.cancel();
    this.wake?.handle.cancel();
    this.interval = this.soon = this.wake = undefined;
    await this.settle();
    await Promise.all(this.ordered.map((g) => g.terminateAll('cluster stop')));
    return sweepOrphans(this.sweepParts(), { orphanMinAgeMs: 0, dryRun: false });
  }

  status(): AutoscalerStatus {
    const workers = this.parts.inputs.workers();
    return {
      atMs: this.parts.clock.now(),
      groups: this.ordered.map((g) => groupStatus(g, workers)),
      createsInFlight: this.parts.createSlots.used(),
      lastRouting: this.lastRouting ? summarizeRouting(this.lastRouting) : undefined,
      recentActions: this.parts.actionLog.recent(),
    };
  }

  /**
   * What the last evaluation made of one demand entry (a task id, or `gang:<job>`): why no group
   * can take it, or which group is adding capacity for it. Undefined when it was not pending then.
   */
  demandNote(entryId: string): string | undefined {
    if (!this.lastRouting) return undefined;
    if (!this.notes) {
      const notes = new Map<string, string>();
      for (const shape of this.lastRouting.shapes) {
        if (shape.unmet) {
          const note = `autoscaler: ${shape.unmet.reason.message}`;
          for (const id of shape.unmet.entryIds) notes.set(id, note);
        }
        for (const batch of shape.routed) {
          const note = `autoscaler: capacity for it comes from group ${batch.group}`;
          for (const id of batch.entryIds) notes.set(id, note);
        }
      }
      this.notes = notes;
    }
    return this.notes.get(entryId);
  }

  /** Why each group is at its size and why each pending entry waits (from the last evaluation). */
  explain(): AutoscalerExplanation {
    const status = this.status();
    const byName = new Map<string, GroupStatus>(status.groups.map((g) => [g.name, g]));
    return {
      atMs: status.atMs,
      strategy: this.parts.config.routing,
      groups: status.groups.map((g) => explainGroup(g, status.recentActions)),
      demand: explainDemand(this.lastRouting, byName),
      recentDecisions: status.recentActions.slice(-RECENT_DECISIONS),
    };
  }

  private sweepParts(): Parameters<typeof sweepOrphans>[0] {
    return {
      clusterName: this.parts.clusterName,
      clock: this.parts.clock,
      groups: this.ordered,
      platforms: this.parts.platforms,
      actionLog: this.parts.actionLog,
    };
  }

  private evaluateSoon(): void {
    if (this.stopped || this.soon) return;
    this.soon = this.parts.clock.setTimeout(() => {
      this.soon = undefined;
      void this.runOnce().catch((err: unknown) => {
        this.parts.logger.error('autoscaler evaluation failed', { error: err instanceof Error ? err.message : String(err) });
      });
    }, 0);
  }

  private scheduleWake(atMs: number): void {
    if (this.stopped) return;
    const now = this.parts.clock.now();
    if (atMs - now >= this.parts.config.evaluation_interval) return;
    if (this.wake && this.wake.atMs <= atMs && this.wake.atMs > now) return;
    this.wake?.handle.cancel();
    const handle = this.parts.clock.setTimeout(
      () => {
        this.wake = undefined;
        this.evaluateSoon();
      },
      Math.max(0, atMs - now),
    );
    this.wake = { handle, atMs };
  }

  private async evaluate(): Promise<EvaluationReport> {
    // Stopped (`iris stop`, shutdown): an evaluation asked for before that (a timer, a request
    // queued behind a slow one) neither lists nor creates — a create now would be a VM nobody stops.
    if (this.stopped) return this.stoppedReport();
    await Promise.all(this.ordered.map((g) => (g.trackedSlices().length > 0 ? g.refresh() : undefined)));
    if (this.stopped) return this.stoppedReport();
    const { clock, inputs } = this.parts;
    const workers = inputs.workers();
    let terminated = 0;
    for (const g of this.ordered) {
      g.retryTerminations();
      terminated += g.observeWorkers(workers) + g.cleanupFailed();
      g.expireRequests();
    }
    const routing = routeDemand(this.ordered, inputs.demand(), workers, clock.now(), this.routingOptions());
    const limits = routing.limits;
    let launched = 0;
    let retryAt = Number.POSITIVE_INFINITY;
    for (const g of this.ordered) {
      g.routedDemand = routing.demandByGroup.get(g.name) ?? 0;
      g.heldBack = routing.heldBackByGroup.get(g.name) ?? 0;
      const result = g.launch(withinLimits(g.planScaleUp(g.routedDemand, workers), routing.newSlicesByGroup.get(g.name) ?? 0, g, limits));
      launched += result.started;
      if (result.retryAtMs !== undefined) retryAt = Math.min(retryAt, result.retryAtMs);
    }
    for (const g of this.ordered) terminated += g.scaleDown(g.routedDemand, workers);
    this.lastRouting = routing;
    this.notes = undefined;
    if (Number.isFinite(retryAt)) this.scheduleWake(retryAt);
    return { atMs: clock.now(), routing, launched, terminated };
  }

  /** What an evaluation of a stopped autoscaler reports: nothing routed, launched or terminated. */
  private stoppedReport(): EvaluationReport {
    const { clock, inputs } = this.parts;
    return { atMs: clock.now(), routing: routeDemand(this.ordered, [], inputs.workers(), clock.now(), this.routingOptions()), launched: 0, terminated: 0 };
  }

  private routingOptions(): Parameters<typeof routeDemand>[4] {
    const { config } = this.parts;
    return { strategy: config.routing, maxSlicesTotal: config.max_slices_total, maxCostPerHour: config.max_cost_per_hour };
  }
}

/**
 * Slices routing planned were counted against the cluster limits already; slices wanted beyond
 * them (to reach min_slices) are counted here, and a plan the limits cut says so.
 */
function withinLimits(plan: ScaleUpPlan, routedNew: number, group: ScalingGroup, limits: ClusterAllowance): ScaleUpPlan {
  let wanted = Math.min(plan.wanted, routedNew);
  for (let extra = routedNew; extra < plan.wanted; extra++) {
    const refusal = limits.open(group.name, group.pricePerHour);
    if (refusal !== undefined) return { wanted, reason: `${plan.reason}; the rest held back by ${refusal}` };
    wanted++;
  }
  return { wanted, reason: plan.reason };
}
