import {
  LABEL_REQUEST,
  LABEL_ROLE,
  isTerminalVmState,
  providerErrorKind,
  sanitizeLabelValue,
  type AutoscalerConfig,
  type Clock,
  type Logger,
  type ScaleGroupConfig,
  type SliceInfo,
  type VmBootstrapSpec,
  type VmInfo,
  type VmManager,
  type VmState,
} from '@iris/core';
import type { ActionLog } from './action-log.js';
import type { CreateSlots } from './create-slots.js';
import { GroupHealth, type HealthBlock } from './group-health.js';
import type { SliceStore } from './slice-store.js';
import type { TokenBucket } from './token-bucket.js';
import type { ActionType, GroupAvailability, StoredSlice, WorkerLiveness, WorkerSnapshot } from './types.js';
import { groupZones } from './zones.js';

/** What a ScalingGroup needs besides its five core collaborators; every field is required. */
export interface ScalingGroupOptions {
  /** The worker bootstrap spec every slice of this group is created with. */
  readonly bootstrap: VmBootstrapSpec;
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

/** A slice the group tracks: its stored row plus what the provider last said about its VMs. */
export interface TrackedSlice extends StoredSlice {
  vms: VmInfo[];
  rawState?: string;
  terminateInFlight?: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type SliceRow = Mutable<TrackedSlice>;

export interface GroupCounts {
  requesting: number;
  booting: number;
  initializing: number;
  ready: number;
  /** Ready slices none of whose workers runs a task. */
  idle: number;
  terminating: number;
  /** Every slice that exists or is being created (not terminating). */
  total: number;
}

export interface ScaleUpPlan {
  /** Slices wanted beyond what exists or is coming. */
  readonly wanted: number;
  readonly reason: string;
}

export interface LaunchResult {
  readonly started: number;
  /** Why fewer than wanted started; empty when all did. */
  readonly limitedBy: string;
  /** When it is worth evaluating again to start the rest (a token refills, a block lifts). */
  readonly retryAtMs: number | undefined;
}

const PENDING_PREFIX = 'pending:';

/**
 * One scale group: its slices, its cooldowns and the provider's answers about it. Decisions are
 * synchronous and cheap; provider calls run in the background and report back through the action
 * log. Routing and demand belong to the Autoscaler.
 */
export class ScalingGroup {
  readonly name: string;
  readonly health: GroupHealth;
  private readonly slices = new Map<string, SliceRow>();
  /** Request ids whose create outlived requesting_timeout: a late slice is terminated on arrival. */
  private readonly abandonedRequests = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private cooldownUntilMs = 0;
  private owedLaunches = 0;
  private disposed = false;
  lastScaleUpMs: number | undefined;
  lastScaleDownMs: number | undefined;
  /** The last scale-up decision and why (also when it decided to do nothing). */
  lastDecision = 'not evaluated yet';
  /** Demand entries routed here by the last evaluation. */
  routedDemand = 0;

  constructor(
    readonly config: ScaleGroupConfig,
    private readonly vmManager: VmManager,
    private readonly autoscalerConfig: AutoscalerConfig,
    private readonly clock: Clock,
    private readonly store: SliceStore,
    private readonly options: ScalingGroupOptions,
  ) {
    this.name = config.name;
    this.health = new GroupHealth(autoscalerConfig, clock, groupZones(config));
  }

  // ---- views -------------------------------------------------------------------------------

  trackedSlices(): readonly TrackedSlice[] {
    return [...this.slices.values()];
  }

  /** Request ids of creates in flight or abandoned: VMs carrying them are accounted for. */
  knownRequestIds(): Set<string> {
    const ids = new Set(this.abandonedRequests);
    for (const s of this.slices.values()) ids.add(s.requestId);
    return ids;
  }

  counts(workers: WorkerSnapshot): GroupCounts {
    const c: GroupCounts = { requesting: 0, booting: 0, initializing: 0, ready: 0, idle: 0, terminating: 0, total: 0 };
    for (const s of this.slices.values()) {
      switch (s.state) {
        case 'requesting':
          c.requesting++;
          break;
        case 'booting':
        case 'unknown':
          c.booting++;
          break;
        case 'initializing':
          c.initializing++;
          break;
        case 'ready':
          c.ready++;
          if (!isBusy(s, workers)) c.idle++;
          break;
        default:
          c.terminating++;
          continue;
      }
      c.total++;
    }
    return c;
  }

  availability(workers: WorkerSnapshot): { state: GroupAvailability; detail: string } {
    const block = this.health.block();
    if (block) return { state: block.condition, detail: block.detail };
    const c = this.counts(workers);
    if (c.requesting > 0) return { state: 'requesting', detail: `${c.requesting} slice(s) being requested` };
    if (c.total >= this.config.max_slices) return { state: 'at_capacity', detail: `at max_slices=${this.config.max_slices}` };
    return { state: 'available', detail: `${c.total}/${this.config.max_slices} slices` };
  }

  /** Slices this group can still hand to routed demand: idle or coming capacity plus headroom. */
  routingBudget(workers: WorkerSnapshot): number {
    const c = this.counts(workers);
    return c.requesting + c.booting + c.initializing + c.idle + Math.max(0, this.config.max_slices - c.total);
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
      const rid = s.requestId ?? s.labels[LABEL_REQUEST];
      if (rid) byRequest.set(rid, s);
    }
    const matched = new Set<string>();
    let adopted = 0;
    let reissued = 0;
    let dropped = 0;
    for (const row of stored) {
      const info = byId.get(row.sliceId) ?? byRequest.get(row.requestId);
      if (info && !matched.has(info.sliceId)) {
        matched.add(info.sliceId);
        if (row.sliceId !== info.sliceId) this.store.delete(this.name, row.sliceId);
        this.adopt(info, row);
        adopted++;
      } else if (row.state === 'requesting') {
        this.store.delete(this.name, row.sliceId);
        this.beginCreate(row.requestId, row.zone, 'reissued after controller restart', row.createdAtMs);
        reissued++;
      } else {
        this.store.delete(this.name, row.sliceId);
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

  private adopt(info: SliceInfo, row: StoredSlice | undefined): void {
    const now = this.clock.now();
    const slice: SliceRow = {
      group: this.name,
      sliceId: info.sliceId,
      requestId: row?.requestId ?? info.requestId ?? info.labels[LABEL_REQUEST] ?? info.sliceId,
      ...(info.zone === undefined ? {} : { zone: info.zone }),
      state: providerAccepted(info.state),
      createdAtMs: row?.createdAtMs ?? info.createdAtMs,
      ...(row?.readyAtMs === undefined ? (info.state === 'ready' ? { readyAtMs: now } : {}) : { readyAtMs: row.readyAtMs }),
      ...(row?.lastActiveMs === undefined ? {} : { lastActiveMs: row.lastActiveMs }),
      // Workers re-register with a restarted controller; give them the full startup grace again.
      livenessDeadlineMs: Math.max(row?.livenessDeadlineMs ?? 0, now + this.autoscalerConfig.startup_grace),
      vms: info.vms,
      ...(info.rawState === undefined ? {} : { rawState: info.rawState }),
    };
    this.slices.set(slice.sliceId, slice);
    this.persist(slice);
    this.record('adopt', `adopted ${info.state} slice found by its labels`, slice.sliceId);
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
    if (this.disposed) return;
    const now = this.clock.now();
    const seen = new Set<string>();
    for (const info of listed) {
      seen.add(info.sliceId);
      const slice = this.slices.get(info.sliceId);
      if (!slice) {
        const rid = info.requestId ?? info.labels[LABEL_REQUEST];
        // Our own creates show up before the call returns; late ones are terminated on arrival.
        if (rid !== undefined && (this.slices.has(PENDING_PREFIX + rid) || this.abandonedRequests.has(rid))) continue;
        this.adopt(info, undefined);
        continue;
      }
      if (slice.state === 'terminating') continue;
      const before = slice.state;
      slice.state = providerAccepted(info.state);
      slice.vms = info.vms;
      if (info.rawState === undefined) delete slice.rawState;
      else slice.rawState = info.rawState;
      if (info.state === 'ready' && slice.readyAtMs === undefined) slice.readyAtMs = now;
      if (before !== slice.state) this.persist(slice);
    }
    for (const slice of this.slices.values()) {
      if (seen.has(slice.sliceId) || slice.state === 'requesting') continue;
      if (slice.state === 'terminating') {
        if (!slice.terminateInFlight) this.forget(slice);
        continue;
      }
      slice.state = 'terminated';
      this.persist(slice);
    }
  }

  // ---- housekeeping: failed, dead, timed out -------------------------------------------------

  /** Terminates every failed, preempted or vanished slice at once, ignoring cooldowns. */
  cleanupFailed(): number {
    let n = 0;
    for (const slice of [...this.slices.values()]) {
      if (slice.state === 'terminating' || !isTerminalVmState(slice.state)) continue;
      this.terminate(slice, 'failed_cleanup', `slice is ${slice.state}${slice.rawState ? ` (${slice.rawState})` : ''}`);
      this.backoffIfYoung(slice, `slice ${slice.state}`);
      n++;
    }
    return n;
  }

  /**
   * Extends each slice's deadline by its workers' heartbeats and reaps the slices past it: their
   * workers never registered within startup_grace, or stopped heartbeating for heartbeat_grace.
   */
  reapDead(workers: WorkerSnapshot): number {
    const now = this.clock.now();
    let n = 0;
    for (const slice of [...this.slices.values()]) {
      if (slice.state === 'requesting' || slice.state === 'terminating') continue;
      let heard = false;
      for (const vm of slice.vms) {
        const w = workerOf(vm, workers);
        if (!w) continue;
        heard = true;
        const deadline = w.lastHeartbeatMs + this.autoscalerConfig.heartbeat_grace;
        if (deadline > slice.livenessDeadlineMs) slice.livenessDeadlineMs = deadline;
        if (w.runningTasks > 0) slice.lastActiveMs = now;
      }
      if (now <= slice.livenessDeadlineMs) continue;
      const why = heard ? `workers silent for more than heartbeat_grace=${this.autoscalerConfig.heartbeat_grace}ms` : `workers never registered within startup_grace=${this.autoscalerConfig.startup_grace}ms (slice ${slice.state})`;
      this.terminate(slice, 'liveness_reap', why);
      this.backoffIfYoung(slice, 'slice reaped');
      n++;
    }
    return n;
  }

  /** Gives up on creates older than requesting_timeout; a slice arriving later is terminated. */
  expireRequests(): number {
    const now = this.clock.now();
    let n = 0;
    for (const slice of [...this.slices.values()]) {
      if (slice.state !== 'requesting' || now - slice.createdAtMs < this.autoscalerConfig.requesting_timeout) continue;
      this.abandonedRequests.add(slice.requestId);
      this.forget(slice);
      this.health.recordFailure('create timed out');
      this.record('requesting_timeout', `create not answered within requesting_timeout=${this.autoscalerConfig.requesting_timeout}ms; backing off`, slice.sliceId);
      n++;
    }
    return n;
  }

  /** The controller saw a worker of this group die; its whole slice goes. */
  notifyWorkerFailed(address: string, reason: string): boolean {
    for (const slice of this.slices.values()) {
      if (slice.state === 'terminating' || !slice.vms.some((vm) => vm.vmId === address || vm.address === address)) continue;
      this.terminate(slice, 'worker_failed', `worker ${address} failed: ${reason}`);
      this.backoffIfYoung(slice, 'worker failed');
      return true;
    }
    return false;
  }

  /** Re-issues terminations that failed earlier. */
  retryTerminations(): void {
    for (const slice of this.slices.values()) {
      if (slice.state === 'terminating' && !slice.terminateInFlight) this.issueTerminate(slice);
    }
  }

  // ---- scale up --------------------------------------------------------------------------

  /** How many slices to add for `demand` routed entries, and why. */
  planScaleUp(demand: number, workers: WorkerSnapshot): ScaleUpPlan {
    const c = this.counts(workers);
    const coming = c.requesting + c.booting + c.initializing + c.idle;
    const headroom = Math.max(0, this.config.max_slices - c.total);
    const forDemand = Math.max(0, demand - coming);
    const forMin = Math.max(0, this.config.min_slices - c.total);
    const wanted = Math.min(headroom, Math.max(forDemand, forMin));
    if (wanted === 0) {
      const why = demand > coming && headroom === 0 ? `demand=${demand} > capacity=${coming} but at max_slices=${this.config.max_slices}` : `demand=${demand} <= capacity=${coming}`;
      return { wanted: 0, reason: why };
    }
    return {
      wanted,
      reason: forMin >= forDemand ? `below min_slices=${this.config.min_slices} (have ${c.total})` : `demand=${demand} > capacity=${coming}`,
    };
  }

  /** Starts up to `plan.wanted` creates, as far as cooldown, backoff and rate limits allow. */
  launch(plan: ScaleUpPlan): LaunchResult {
    const now = this.clock.now();
    if (plan.wanted <= 0) {
      this.lastDecision = `no scale-up: ${plan.reason}`;
      return { started: 0, limitedBy: '', retryAtMs: undefined };
    }
    const block: HealthBlock | undefined = this.health.block();
    if (block) {
      this.lastDecision = `wants ${plan.wanted} (${plan.reason}) but ${block.condition}: ${block.detail}`;
      return { started: 0, limitedBy: block.condition, retryAtMs: block.untilMs };
    }
    // Launches a rate limit held back are still owed to the decision that wanted them; the
    // cooldown only holds back new decisions.
    const inCooldown = now < this.cooldownUntilMs;
    if (inCooldown && this.owedLaunches === 0) {
      this.lastDecision = `wants ${plan.wanted} (${plan.reason}) but in scale_up_delay cooldown until ${new Date(this.cooldownUntilMs).toISOString()}`;
      return { started: 0, limitedBy: 'cooldown', retryAtMs: this.cooldownUntilMs };
    }
    const target = inCooldown ? Math.min(plan.wanted, this.owedLaunches) : plan.wanted;
    const provider = this.options.providerBucket;
    const allowed = Math.min(
      target,
      this.options.groupBucket.available(),
      provider ? provider.available() : Number.POSITIVE_INFINITY,
      this.options.createSlots.free(),
    );
    let started = 0;
    for (let i = 0; i < allowed; i++) {
      const zone = this.health.pickZone();
      if (zone === null) break;
      this.options.groupBucket.take(1);
      provider?.take(1);
      this.beginCreate(this.newRequestId(), zone, plan.reason, now);
      started++;
    }
    this.owedLaunches = Math.max(0, target - started);
    if (started > 0) this.lastScaleUpMs = now;
    if (started === plan.wanted) {
      this.lastDecision = `scaling up by ${started}: ${plan.reason}`;
      return { started, limitedBy: '', retryAtMs: undefined };
    }
    if (started === target) {
      this.lastDecision = `started ${started} of ${plan.wanted} (${plan.reason}); the rest waits for the scale_up_delay cooldown`;
      return { started, limitedBy: 'cooldown', retryAtMs: this.cooldownUntilMs };
    }
    const limits: { name: string; atMs: number }[] = [];
    if (this.options.groupBucket.available() === 0) limits.push({ name: 'group create rate', atMs: this.options.groupBucket.nextTokenAtMs() });
    if (provider && provider.available() === 0) limits.push({ name: 'provider create rate', atMs: provider.nextTokenAtMs() });
    if (this.options.createSlots.free() === 0) limits.push({ name: 'max_parallel_creates', atMs: Number.NaN });
    const limitedBy = limits.map((l) => l.name).join(', ') || 'zones';
    const times = limits.map((l) => l.atMs).filter((t) => Number.isFinite(t));
    this.lastDecision = `started ${started} of ${plan.wanted} (${plan.reason}); limited by ${limitedBy}`;
    return { started, limitedBy, retryAtMs: times.length ? Math.max(...times) : undefined };
  }

  private newRequestId(): string {
    const entropy = Math.floor(this.options.random() * 36 ** 6).toString(36).padStart(6, '0');
    return sanitizeLabelValue(`${this.name.slice(0, 40)}-${this.clock.now().toString(36)}-${entropy}`);
  }

  private beginCreate(requestId: string, zone: string | undefined, reason: string, createdAtMs: number): void {
    const row: SliceRow = {
      group: this.name,
      sliceId: PENDING_PREFIX + requestId,
      requestId,
      ...(zone === undefined ? {} : { zone }),
      state: 'requesting',
      createdAtMs,
      livenessDeadlineMs: createdAtMs + this.autoscalerConfig.startup_grace,
      vms: [],
    };
    this.slices.set(row.sliceId, row);
    this.persist(row);
    this.record('scale_up', `${reason}${zone ? ` (zone ${zone})` : ''}`, row.sliceId);
    this.options.createSlots.acquire();
    this.track(this.runCreate(row));
  }

  private async runCreate(row: SliceRow): Promise<void> {
    let info: SliceInfo;
    try {
      info = await this.vmManager.createSlice({
        requestId: row.requestId,
        labels: { [LABEL_REQUEST]: row.requestId, [LABEL_ROLE]: 'worker' },
        bootstrap: this.options.bootstrap,
        ...(row.zone === undefined ? {} : { zone: row.zone }),
      });
    } catch (err) {
      this.options.createSlots.release();
      if (this.disposed) return;
      this.abandonedRequests.delete(row.requestId);
      if (this.slices.get(row.sliceId) === row) this.forget(row);
      this.onCreateFailed(err, row.zone);
      return;
    }
    this.options.createSlots.release();
    if (this.disposed) return;
    const current = this.slices.get(row.sliceId);
    if (current !== row) {
      // Timed out or abandoned by terminateAll: nobody wants this slice any more.
      this.abandonedRequests.delete(row.requestId);
      const late: SliceRow = { ...row, sliceId: info.sliceId, state: 'terminating', vms: info.vms };
      this.slices.set(late.sliceId, late);
      this.persist(late);
      this.record('failed_cleanup', 'create answered after it was abandoned; terminating the late slice', info.sliceId);
      this.issueTerminate(late);
      this.options.requestEvaluation();
      return;
    }
    this.slices.delete(row.sliceId);
    this.store.delete(this.name, row.sliceId);
    const now = this.clock.now();
    const slice: SliceRow = {
      ...row,
      sliceId: info.sliceId,
      state: providerAccepted(info.state),
      vms: info.vms,
      ...(info.zone === undefined ? {} : { zone: info.zone }),
      ...(info.rawState === undefined ? {} : { rawState: info.rawState }),
      ...(info.state === 'ready' ? { readyAtMs: now } : {}),
    };
    this.slices.set(slice.sliceId, slice);
    this.persist(slice);
    this.health.recordSuccess(row.zone);
    // The cooldown runs from a scale-up that worked: a failed create must not delay the retry.
    this.cooldownUntilMs = Math.max(this.cooldownUntilMs, row.createdAtMs + this.autoscalerConfig.scale_up_delay);
    this.record('scale_up_completed', `provider accepted the create (${info.state})`, slice.sliceId);
  }

  /** Reacts to the provider's error kind, never its message text. */
  private onCreateFailed(err: unknown, zone: string | undefined): void {
    const kind = providerErrorKind(err);
    const message = err instanceof Error ? err.message : String(err);
    const retryAfterMs = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
    switch (kind) {
      case 'capacity': {
        const until = this.health.recordStockout(zone);
        const next = this.health.pickZone();
        const where = zone ? `zone ${zone}` : 'provider';
        this.record('stockout', next === null ? `${where} out of capacity; no zone left until ${new Date(until).toISOString()}, demand falls to the next group` : `${where} out of capacity; trying zone ${next ?? 'default'}`);
        break;
      }
      case 'quota': {
        const until = this.health.recordQuota();
        this.record('quota_exceeded', `quota exhausted; skipping group until ${new Date(until).toISOString()}`);
        break;
      }
      case 'rate_limited': {
        const until = this.health.recordRateLimited(typeof retryAfterMs === 'number' ? retryAfterMs : undefined);
        this.options.providerBucket?.pauseUntil(until);
        this.options.groupBucket.pauseUntil(until);
        this.record('rate_limited', `provider rate limit; waiting until ${new Date(until).toISOString()}`);
        break;
      }
      case 'invalid_request':
      case 'auth': {
        this.health.markUnavailable(`${kind}: ${message}`);
        this.record('unavailable', `${kind} error from the provider; group disabled until the config is fixed: ${message}`);
        break;
      }
      default: {
        const delay = this.health.recordFailure(`${kind}: ${message}`);
        this.record('scale_up_failed', `${kind} error (${message}); backing off ${delay}ms`);
      }
    }
    this.options.requestEvaluation();
  }

  // ---- scale down ------------------------------------------------------------------------

  /**
   * Releases idle ready slices beyond max(demand, min_slices): the longest idle first, each idle
   * for at least scale_down_delay. A slice that never ran a task counts as idle since it was ready.
   */
  scaleDown(demand: number, workers: WorkerSnapshot): number {
    const now = this.clock.now();
    const c = this.counts(workers);
    const target = Math.max(demand, this.config.min_slices);
    let excess = c.total - target;
    if (excess <= 0) return 0;
    const idle = [...this.slices.values()]
      .filter((s) => s.state === 'ready' && !isBusy(s, workers))
      .map((s) => ({ s, since: s.lastActiveMs ?? s.readyAtMs ?? s.createdAtMs }))
      .filter((x) => now - x.since >= this.autoscalerConfig.scale_down_delay)
      .sort((a, b) => a.since - b.since);
    let n = 0;
    for (const { s, since } of idle) {
      if (excess <= 0) break;
      this.terminate(s, 'scale_down', `idle for ${now - since}ms >= scale_down_delay; ${c.total - n} slices > target ${target}`);
      excess--;
      n++;
    }
    if (n > 0) this.lastScaleDownMs = now;
    return n;
  }

  // ---- termination -----------------------------------------------------------------------

  /** Terminates every slice and abandons creates in flight (their slices die on arrival). */
  async terminateAll(reason: string): Promise<void> {
    for (const slice of [...this.slices.values()]) {
      if (slice.state === 'requesting') {
        this.abandonedRequests.add(slice.requestId);
        this.forget(slice);
        continue;
      }
      if (slice.state !== 'terminating') this.terminate(slice, 'terminate_all', reason);
    }
    const listed = await this.vmManager.listSlices().catch(() => [] as SliceInfo[]);
    for (const info of listed) {
      if (this.slices.has(info.sliceId)) continue;
      const rid = info.requestId ?? info.labels[LABEL_REQUEST] ?? info.sliceId;
      const row: SliceRow = { group: this.name, sliceId: info.sliceId, requestId: rid, state: 'terminating', createdAtMs: info.createdAtMs, livenessDeadlineMs: 0, vms: info.vms };
      this.slices.set(row.sliceId, row);
      this.record('terminate_all', reason, row.sliceId);
      this.issueTerminate(row);
    }
    await this.settle();
  }

  terminate(slice: TrackedSlice, type: ActionType, reason: string): void {
    const row = this.slices.get(slice.sliceId);
    if (!row || row.state === 'terminating') return;
    row.state = 'terminating';
    this.persist(row);
    this.record(type, reason, row.sliceId);
    this.issueTerminate(row);
  }

  private issueTerminate(row: SliceRow): void {
    row.terminateInFlight = true;
    this.track(
      this.vmManager.terminateSlice(row.sliceId).then(
        () => {
          row.terminateInFlight = false;
          if (!this.disposed) this.forget(row);
        },
        (err: unknown) => {
          row.terminateInFlight = false;
          if (this.disposed) return;
          this.record('terminate_failed', `terminate failed (${providerErrorKind(err)}); retrying next evaluation`, row.sliceId);
        },
      ),
    );
  }

  private backoffIfYoung(slice: TrackedSlice, what: string): void {
    const age = this.clock.now() - slice.createdAtMs;
    if (age >= this.options.shortLivedSliceMs) return;
    const delay = this.health.recordFailure(`${what} after ${age}ms`);
    this.record('backoff', `${what} only ${age}ms after creation (< ${this.options.shortLivedSliceMs}ms); backing off ${delay}ms`, slice.sliceId);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Resolves once every provider call this group started has settled. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Stops reacting: results of calls still in flight are ignored and nothing more is written. Used
   * when a controller shuts down or (in the simulator) is killed.
   */
  dispose(): void {
    this.disposed = true;
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    const done = (): void => {
      this.inFlight.delete(p);
    };
    p.then(done, done);
  }

  private forget(row: SliceRow): void {
    this.slices.delete(row.sliceId);
    this.store.delete(this.name, row.sliceId);
  }

  private persist(row: SliceRow): void {
    if (this.disposed) return;
    const { vms: _vms, rawState: _raw, terminateInFlight: _t, ...stored } = row;
    this.store.upsert(stored);
  }

  private record(type: ActionType, reason: string, sliceId?: string): void {
    if (this.disposed) return;
    this.options.actionLog.record(this.clock.now(), type, this.name, reason, sliceId);
  }
}

/**
 * `requesting` is the group's own state for a create whose call has not returned. A slice the
 * provider lists already exists, so from here on it is booting whatever the provider calls it.
 */
function providerAccepted(state: VmState): VmState {
  return state === 'requesting' ? 'booting' : state;
}

/**
 * The registered worker on a VM: workers register under the VM id their provider gave them (local,
 * gcp and manual workers do), else under the VM's address. Several local VMs share one address,
 * so the id comes first.
 */
function workerOf(vm: { vmId: string; address: string }, workers: WorkerSnapshot): WorkerLiveness | undefined {
  return workers.get(vm.vmId) ?? (vm.address ? workers.get(vm.address) : undefined);
}

function isBusy(slice: TrackedSlice, workers: WorkerSnapshot): boolean {
  for (const vm of slice.vms) {
    const w = workerOf(vm, workers);
    if (w && w.runningTasks > 0) return true;
  }
  return false;
}

