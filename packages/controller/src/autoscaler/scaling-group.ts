import {
  LABEL_REQUEST,
  providerErrorKind,
  type AutoscalerConfig,
  type Clock,
  type Logger,
  type ScaleGroupConfig,
  type SliceInfo,
  type VmBootstrapSpec,
  type VmManager,
  type WorkerLaunch,
  formatElapsed,
} from '@iris/core';
import type { ActionLog } from './action-log.js';
import type { CreateSlots } from './create-slots.js';
import { GroupHealth } from './group-health.js';
import { GroupSlices, type GroupCounts, type SliceRow, type TrackedSlice } from './group-slices.js';
import { chooseScaleDown } from './scale-down.js';
import { planScaleUp, ScaleUp, type LaunchResult, type ScaleUpPlan } from './scale-up.js';
import { observeWorkers } from './slice-health.js';
import { canTransition, isLostSliceState, providerTarget, type SliceState } from './slice-lifecycle.js';
import type { SliceStore } from './slice-store.js';
import type { TokenBucket } from './token-bucket.js';
import type { ActionType, GroupAvailability, StoredSlice, WorkerSnapshot } from './types.js';
import { groupZones } from './zones.js';

export type { GroupCounts, TrackedSlice } from './group-slices.js';
export type { LaunchResult, ScaleUpPlan } from './scale-up.js';

/** What a ScalingGroup needs besides its five core collaborators; every field is required. */
export interface ScalingGroupOptions {
  /** The worker bootstrap spec every slice of this group is created with. */
  readonly bootstrap: VmBootstrapSpec;
  /** The worker launch of one create (a fresh join token each time). */
  readonly launch: (requestId: string) => WorkerLaunch;
  /** A slice lost younger than this triggers backoff: the group's VMs may be bad. */
  readonly shortLivedSliceMs: number;
  readonly actionLog: ActionLog;
  /** Create-rate limit of this group (`create_rate_per_minute`, `create_burst`). */
  readonly groupBucket: TokenBucket;
  /** Create-rate limit shared by every group on the same provider, when it has one. */
  readonly providerBucket: TokenBucket | undefined;
  /** Cluster-wide cap on concurrent create calls. */
  readonly createSlots: CreateSlots;
  /** Asks the autoscaler to evaluate again soon (e.g. a zone stocked out: try the next one). */
  readonly requestEvaluation: () => void;
  /** Source of request-id entropy; seeded in tests and the simulator. */
  readonly random: () => number;
  readonly logger: Logger;
}

/**
 * One scale group: its slices (a lifecycle per slice, see slice-lifecycle.ts), its cooldowns and
 * the provider's answers about it. Decisions are synchronous and cheap; provider calls run in the
 * background and report back through the action log. Routing and demand belong to the Autoscaler.
 */
export class ScalingGroup {
  readonly name: string;
  readonly health: GroupHealth;
  private readonly slices: GroupSlices;
  private readonly scaleUp: ScaleUp;
  lastScaleDownMs: number | undefined;
  /** Slices' worth of demand routed here by the last evaluation. */
  routedDemand = 0;
  /** Tasks a cluster limit held back from this group in the last evaluation. */
  heldBack = 0;
  /** What one slice costs per hour: the provider's price when it has one, else `cost_per_hour`. */
  pricePerHour: number | undefined;
  /** Set when the provider's offerings (`listInstanceTypes`) say this group's type is unavailable. */
  offeringUnavailable: string | undefined;

  constructor(
    readonly config: ScaleGroupConfig,
    private readonly vmManager: VmManager,
    private readonly autoscalerConfig: AutoscalerConfig,
    private readonly clock: Clock,
    store: SliceStore,
    private readonly options: ScalingGroupOptions,
  ) {
    this.name = config.name;
    this.pricePerHour = config.cost_per_hour;
    this.health = new GroupHealth(autoscalerConfig, clock, groupZones(config));
    this.slices = new GroupSlices(config.name, vmManager, clock, store, options.actionLog);
    this.scaleUp = new ScaleUp(config, autoscalerConfig, clock, this.slices, this.health, vmManager, options);
  }

  // ---- views -------------------------------------------------------------------------------

  get lastScaleUpMs(): number | undefined {
    return this.scaleUp.lastScaleUpMs;
  }

  /** The last scale-up decision and why (also when it decided to do nothing). */
  get lastDecision(): string {
    return this.scaleUp.lastDecision;
  }

  trackedSlices(): readonly TrackedSlice[] {
    return this.slices.all();
  }

  /** Request ids of creates in flight or abandoned: VMs carrying them are accounted for. */
  knownRequestIds(): Set<string> {
    const ids = new Set(this.scaleUp.abandonedRequests);
    for (const s of this.slices.all()) ids.add(s.requestId);
    return ids;
  }

  counts(workers: WorkerSnapshot): GroupCounts {
    return this.slices.counts(workers);
  }

  availability(workers: WorkerSnapshot): { state: GroupAvailability; detail: string } {
    const block = this.health.block();
    if (block) return { state: block.condition, detail: block.detail };
    const c = this.counts(workers);
    if (c.requesting > 0) return { state: 'requesting', detail: `${c.requesting} slice(s) being requested` };
    if (c.total >= this.config.max_slices) return { state: 'at_capacity', detail: `at max_slices=${this.config.max_slices}` };
    return { state: 'available', detail: `${c.total}/${this.config.max_slices} slices` };
  }

  // ---- reconcile at start ------------------------------------------------------------------

  /**
   * Rebuilds the group from its stored rows and what the provider lists. Stored rows matched by
   * slice id or request id are adopted with their history; a stored `requesting` row the provider
   * never saw is re-issued with the same request id (idempotent: no duplicate); listed slices
   * nobody stored are adopted; lost or terminal ones are cleaned up.
   */
  async restore(stored: readonly StoredSlice[]): Promise<{ adopted: number; reissued: number; dropped: number }> {
    const listed = await this.vmManager.listSlices();
    const byId = new Map(listed.map((s) => [s.sliceId, s]));
    const byRequest = new Map<string, SliceInfo>();
    for (const s of listed) {
      const rid = requestIdOf(s);
      if (rid) byRequest.set(rid, s);
    }
    const matched = new Set<string>();
    let adopted = 0;
    let reissued = 0;
    let dropped = 0;
    for (const row of stored) {
      const info = (row.sliceId === undefined ? undefined : byId.get(row.sliceId)) ?? byRequest.get(row.requestId);
      if (info && !matched.has(info.sliceId)) {
        matched.add(info.sliceId);
        this.adopt(info, row);
        adopted++;
      } else if (row.state === 'requesting') {
        this.scaleUp.begin(row.requestId, row.zone, 'reissued after controller restart', row.createdAtMs);
        reissued++;
      } else {
        this.forgetStored(row);
        dropped++;
      }
    }
    for (const info of listed) {
      if (matched.has(info.sliceId)) continue;
      this.adopt(info, undefined);
      adopted++;
    }
    return { adopted, reissued, dropped };
  }

  private forgetStored(row: StoredSlice): void {
    this.slices.forget({ ...row, vms: [], registered: new Set() });
  }

  private adopt(info: SliceInfo, row: StoredSlice | undefined): void {
    const now = this.clock.now();
    const fromProvider = providerTarget([info.state]);
    // A slice stored ready keeps its state while its workers re-register with a restarted
    // controller (the liveness deadline reaps it if they do not); a terminate asked for stays asked.
    let state: SliceState = fromProvider;
    if (row?.state === 'terminating') state = 'terminating';
    else if ((row?.state === 'ready' || row?.state === 'draining') && !isLostSliceState(fromProvider)) state = 'ready';
    const slice: SliceRow = {
      group: this.name,
      requestId: row?.requestId ?? requestIdOf(info) ?? info.sliceId,
      sliceId: info.sliceId,
      ...(info.zone === undefined ? {} : { zone: info.zone }),
      state,
      createdAtMs: row?.createdAtMs ?? info.createdAtMs,
      ...(row?.readyAtMs === undefined ? {} : { readyAtMs: row.readyAtMs }),
      ...(row?.lastActiveMs === undefined ? {} : { lastActiveMs: row.lastActiveMs }),
      // Workers re-register with a restarted controller; give them the full startup grace again.
      livenessDeadlineMs: Math.max(row?.livenessDeadlineMs ?? 0, now + this.autoscalerConfig.startup_grace),
      vms: info.vms,
      registered: new Set(),
      ...(info.rawState === undefined ? {} : { rawState: info.rawState }),
    };
    if (row && row.requestId !== slice.requestId) this.forgetStored(row);
    this.slices.add(slice);
    this.slices.record('adopt', `adopted ${info.state} slice found by its labels`, slice);
  }

  // ---- refresh from the provider -----------------------------------------------------------

  /** Pulls the provider's view of this group's slices; a tracked slice it no longer lists is lost. */
  async refresh(): Promise<void> {
    let listed: SliceInfo[];
    try {
      listed = await this.vmManager.listSlices();
    } catch (err) {
      this.options.logger.warn('listing slices failed; keeping the last known states', { group: this.name, kind: providerErrorKind(err) });
      return;
    }
    if (this.slices.disposed) return;
    const byId = this.slices.bySliceId();
    const seen = new Set<SliceRow>();
    for (const info of listed) {
      const slice = byId.get(info.sliceId);
      if (!slice) {
        const rid = requestIdOf(info);
        // Our own creates show up before the call returns; late ones are terminated on arrival.
        if (rid !== undefined && (this.slices.get(rid)?.state === 'requesting' || this.scaleUp.abandonedRequests.has(rid))) continue;
        this.adopt(info, undefined);
        continue;
      }
      seen.add(slice);
      if (slice.state === 'terminating' || isLostSliceState(slice.state)) continue;
      slice.vms = info.vms;
      if (info.rawState === undefined) delete slice.rawState;
      else slice.rawState = info.rawState;
      const target = providerTarget([info.state]);
      // Ready is the workers' word, not the provider's: a provider answer never moves a slice back.
      const backwards = (slice.state === 'ready' || slice.state === 'draining') && !isLostSliceState(target);
      if (!backwards && canTransition(slice.state, target)) this.slices.move(slice, target, `provider reports ${info.state}`);
    }
    for (const slice of this.slices.all()) {
      if (seen.has(slice) || slice.state === 'requesting') continue;
      if (slice.state === 'terminating') {
        if (!slice.terminateInFlight) this.slices.move(slice, 'gone', 'the provider no longer lists it');
        continue;
      }
      if (isLostSliceState(slice.state)) continue;
      slice.rawState = 'vanished';
      this.slices.move(slice, 'failed', 'the provider no longer lists it');
    }
  }

  // ---- housekeeping: workers, failed, timed out ----------------------------------------------

  /**
   * Looks at the registered workers: a slice whose every VM's worker registered becomes ready; a
   * slice that lost a worker it had (the controller declared it dead) fails at once; a slice
   * past its liveness deadline is reaped. Returns the slices terminated.
   */
  observeWorkers(workers: WorkerSnapshot): number {
    const now = this.clock.now();
    let n = 0;
    for (const slice of this.slices.all()) {
      if (slice.state === 'requesting' || slice.state === 'terminating' || isLostSliceState(slice.state)) continue;
      const verdict = observeWorkers(slice, workers, now, this.autoscalerConfig);
      switch (verdict.kind) {
        case 'ready':
          if (slice.readyAtMs === undefined) slice.readyAtMs = now;
          this.slices.move(slice, 'ready', 'every VM has a registered worker');
          break;
        case 'worker_died':
          this.terminate(slice, 'worker_failed', `worker ${verdict.vmId} is gone (declared dead by the controller); replacing the slice`);
          this.backoffIfYoung(slice, 'worker failed');
          n++;
          break;
        case 'reap':
          this.terminate(slice, 'liveness_reap', verdict.reason);
          this.backoffIfYoung(slice, 'slice reaped');
          n++;
          break;
        default:
          break;
      }
    }
    return n;
  }

  /** Terminates every failed, preempted or vanished slice at once, ignoring cooldowns. */
  cleanupFailed(): number {
    let n = 0;
    for (const slice of this.slices.all()) {
      if (!isLostSliceState(slice.state)) continue;
      const was = slice.state;
      this.terminate(slice, 'failed_cleanup', `slice is ${was}${slice.rawState ? ` (${slice.rawState})` : ''}`);
      this.backoffIfYoung(slice, `slice ${was}`);
      n++;
    }
    return n;
  }

  /** Gives up on creates older than requesting_timeout; a slice arriving later is terminated. */
  expireRequests(): number {
    const now = this.clock.now();
    let n = 0;
    for (const slice of this.slices.all()) {
      if (slice.state !== 'requesting' || now - slice.createdAtMs < this.autoscalerConfig.requesting_timeout) continue;
      this.scaleUp.abandonedRequests.add(slice.requestId);
      this.slices.move(slice, 'gone', 'create timed out');
      this.health.recordFailure('create timed out');
      this.slices.record(
        'requesting_timeout',
        `create not answered within requesting_timeout=${formatElapsed(this.autoscalerConfig.requesting_timeout)}; backing off`,
        slice,
      );
      n++;
    }
    return n;
  }

  /** The controller saw a worker of this group die (by VM id or address); its whole slice goes. */
  notifyWorkerFailed(vmIdOrAddress: string, reason: string): boolean {
    for (const slice of this.slices.all()) {
      if (slice.state === 'terminating' || !slice.vms.some((vm) => vm.vmId === vmIdOrAddress || vm.address === vmIdOrAddress)) continue;
      this.terminate(slice, 'worker_failed', `worker ${vmIdOrAddress} failed: ${reason}`);
      this.backoffIfYoung(slice, 'worker failed');
      return true;
    }
    return false;
  }

  /** Re-issues terminations that failed earlier. */
  retryTerminations(): void {
    for (const slice of this.slices.all()) {
      if (slice.state === 'terminating' && !slice.terminateInFlight) this.slices.issueTerminate(slice);
    }
  }

  // ---- scale up and down -------------------------------------------------------------------

  /** How many slices to add for `demand` slices' worth of routed work, and why. */
  planScaleUp(demand: number, workers: WorkerSnapshot): ScaleUpPlan {
    return planScaleUp(this.config, this.counts(workers), demand);
  }

  /** Starts up to `plan.wanted` creates, as far as cooldown, backoff and rate limits allow. */
  launch(plan: ScaleUpPlan): LaunchResult {
    return this.scaleUp.launch(plan);
  }

  /** Releases idle ready slices beyond max(demand, min_slices); see chooseScaleDown. */
  scaleDown(demand: number, workers: WorkerSnapshot): number {
    const now = this.clock.now();
    const cooldown = this.autoscalerConfig.scale_down_cooldown;
    const last = Math.max(this.lastScaleDownMs ?? Number.NEGATIVE_INFINITY, this.scaleUp.lastScaleUpMs ?? Number.NEGATIVE_INFINITY);
    const chosen = chooseScaleDown(this.slices.all(), this.counts(workers), demand, workers, now, {
      minSlices: this.config.min_slices,
      idleMs: this.autoscalerConfig.scale_down_delay,
      notBeforeMs: last + cooldown,
    });
    for (const { slice, reason } of chosen) {
      this.slices.move(slice, 'draining', reason);
      this.terminate(slice, 'scale_down', reason);
    }
    if (chosen.length > 0) this.lastScaleDownMs = now;
    return chosen.length;
  }

  // ---- termination -------------------------------------------------------------------------

  /** Terminates every slice and abandons creates in flight (their slices die on arrival). */
  async terminateAll(reason: string): Promise<void> {
    for (const slice of this.slices.all()) {
      if (slice.state === 'requesting') {
        this.scaleUp.abandonedRequests.add(slice.requestId);
        this.slices.move(slice, 'gone', 'abandoned by terminateAll');
        continue;
      }
      if (slice.state !== 'terminating') this.terminate(slice, 'terminate_all', reason);
    }
    const listed = await this.vmManager.listSlices().catch(() => [] as SliceInfo[]);
    const known = this.slices.bySliceId();
    for (const info of listed) {
      if (known.has(info.sliceId)) continue;
      const row: SliceRow = {
        group: this.name,
        sliceId: info.sliceId,
        requestId: requestIdOf(info) ?? info.sliceId,
        state: 'terminating',
        createdAtMs: info.createdAtMs,
        livenessDeadlineMs: 0,
        vms: info.vms,
        registered: new Set(),
      };
      this.slices.add(row);
      this.slices.record('terminate_all', reason, row);
      this.slices.issueTerminate(row);
    }
    await this.settle();
  }

  terminate(slice: TrackedSlice, type: ActionType, reason: string): void {
    const row = this.slices.get(slice.requestId);
    if (!row || row.state === 'terminating') return;
    this.slices.move(row, 'terminating', reason);
    this.slices.record(type, reason, row);
    this.slices.issueTerminate(row);
  }

  private backoffIfYoung(slice: TrackedSlice, what: string): void {
    const age = this.clock.now() - slice.createdAtMs;
    if (age >= this.options.shortLivedSliceMs) return;
    const delay = this.health.recordFailure(`${what} after ${formatElapsed(age)}`);
    this.slices.record(
      'backoff',
      `${what} only ${formatElapsed(age)} after creation (< ${formatElapsed(this.options.shortLivedSliceMs)}); backing off ${formatElapsed(delay)}`,
      slice,
    );
  }

  // ---- lifecycle of the group object ---------------------------------------------------------

  /** Resolves once every provider call this group started has settled. */
  async settle(): Promise<void> {
    await this.slices.settle();
  }

  /**
   * Stops reacting: results of calls still in flight are ignored and nothing more is written. Used
   * when a controller shuts down or (in the simulator) is killed.
   */
  dispose(): void {
    this.slices.disposed = true;
  }
}

function requestIdOf(info: SliceInfo): string | undefined {
  return info.requestId ?? info.labels[LABEL_REQUEST];
}
