import {
  LABEL_REQUEST,
  LABEL_ROLE,
  providerErrorKind,
  sanitizeLabelValue,
  type AutoscalerConfig,
  type Clock,
  type ScaleGroupConfig,
  type SliceInfo,
  type VmBootstrapSpec,
  type VmManager,
  type WorkerLaunch,
  formatElapsed,
} from '@iris/core';
import type { CreateSlots } from './create-slots.js';
import type { GroupCounts, GroupSlices, SliceRow } from './group-slices.js';
import type { GroupHealth, HealthBlock } from './group-health.js';
import { providerTarget } from './slice-lifecycle.js';
import type { TokenBucket } from './token-bucket.js';

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

/** What the create path needs besides the group's slices and health. */
export interface ScaleUpOptions {
  readonly bootstrap: VmBootstrapSpec;
  /** The worker launch of one create (a fresh join token each time). */
  readonly launch: (requestId: string) => WorkerLaunch;
  readonly groupBucket: TokenBucket;
  readonly providerBucket: TokenBucket | undefined;
  readonly createSlots: CreateSlots;
  readonly requestEvaluation: () => void;
  readonly random: () => number;
}

/**
 * How many slices to add for `demand` slices' worth of routed work, and why. Slices requested,
 * booting, initializing or idle count as capacity before anything new is asked for.
 */
export function planScaleUp(config: ScaleGroupConfig, c: GroupCounts, demand: number): ScaleUpPlan {
  const coming = c.requesting + c.booting + c.initializing + c.idle;
  const headroom = Math.max(0, config.max_slices - c.total);
  const forDemand = Math.max(0, demand - coming);
  const forMin = Math.max(0, config.min_slices - c.total);
  const wanted = Math.min(headroom, Math.max(forDemand, forMin));
  if (wanted === 0) {
    const why =
      demand > coming && headroom === 0
        ? `demand=${demand} > capacity=${coming} but at max_slices=${config.max_slices}`
        : `demand=${demand} <= capacity=${coming}`;
    return { wanted: 0, reason: why };
  }
  return { wanted, reason: forMin >= forDemand ? `below min_slices=${config.min_slices} (have ${c.total})` : `demand=${demand} > capacity=${coming}` };
}

/**
 * Starts creates within cooldown, backoff, rate limits and free zones, and follows each create
 * until the provider answers: success makes the slice booting (or further), a failure feeds the
 * group's health by the provider's error kind, never its message text.
 */
export class ScaleUp {
  private cooldownUntilMs = 0;
  private owedLaunches = 0;
  /** Request ids whose create outlived requesting_timeout: a late slice is terminated on arrival. */
  readonly abandonedRequests = new Set<string>();
  lastScaleUpMs: number | undefined;
  lastDecision = 'not evaluated yet';

  constructor(
    private readonly config: ScaleGroupConfig,
    private readonly autoscalerConfig: AutoscalerConfig,
    private readonly clock: Clock,
    private readonly slices: GroupSlices,
    private readonly health: GroupHealth,
    private readonly vmManager: VmManager,
    private readonly options: ScaleUpOptions,
  ) {}

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
    const { groupBucket, providerBucket, createSlots } = this.options;
    const allowed = Math.min(target, groupBucket.available(), providerBucket ? providerBucket.available() : Number.POSITIVE_INFINITY, createSlots.free());
    let started = 0;
    for (let i = 0; i < allowed; i++) {
      const zone = this.health.pickZone();
      if (zone === null) break;
      groupBucket.take(1);
      providerBucket?.take(1);
      this.begin(this.newRequestId(), zone, plan.reason, now);
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
    if (groupBucket.available() === 0) limits.push({ name: 'group create rate', atMs: groupBucket.nextTokenAtMs() });
    if (providerBucket && providerBucket.available() === 0) limits.push({ name: 'provider create rate', atMs: providerBucket.nextTokenAtMs() });
    if (createSlots.free() === 0) limits.push({ name: 'max_parallel_creates', atMs: Number.NaN });
    const limitedBy = limits.map((l) => l.name).join(', ') || 'zones';
    const times = limits.map((l) => l.atMs).filter((t) => Number.isFinite(t));
    this.lastDecision = `started ${started} of ${plan.wanted} (${plan.reason}); limited by ${limitedBy}`;
    return { started, limitedBy, retryAtMs: times.length ? Math.max(...times) : undefined };
  }

  /** Issues (or re-issues, after a restart) the idempotent create for `requestId`. */
  begin(requestId: string, zone: string | undefined, reason: string, createdAtMs: number): void {
    const row: SliceRow = {
      group: this.config.name,
      requestId,
      ...(zone === undefined ? {} : { zone }),
      state: 'requesting',
      createdAtMs,
      livenessDeadlineMs: createdAtMs + this.autoscalerConfig.startup_grace,
      vms: [],
      registered: new Set(),
    };
    this.slices.add(row);
    this.slices.record('scale_up', `${reason}${zone ? ` (zone ${zone})` : ''}`, row);
    this.options.createSlots.acquire();
    this.slices.track(this.create(row));
  }

  private newRequestId(): string {
    const entropy = Math.floor(this.options.random() * 36 ** 6)
      .toString(36)
      .padStart(6, '0');
    return sanitizeLabelValue(`${this.config.name.slice(0, 40)}-${this.clock.now().toString(36)}-${entropy}`);
  }

  private async create(row: SliceRow): Promise<void> {
    let info: SliceInfo;
    try {
      info = await this.vmManager.createSlice({
        requestId: row.requestId,
        labels: { [LABEL_REQUEST]: row.requestId, [LABEL_ROLE]: 'worker' },
        bootstrap: this.options.bootstrap,
        launch: this.options.launch(row.requestId),
        ...(row.zone === undefined ? {} : { zone: row.zone }),
      });
    } catch (err) {
      this.options.createSlots.release();
      if (this.slices.disposed) return;
      this.abandonedRequests.delete(row.requestId);
      if (this.slices.get(row.requestId) === row) this.slices.move(row, 'gone', 'create failed');
      this.onCreateFailed(err, row.zone);
      return;
    }
    this.options.createSlots.release();
    if (this.slices.disposed) return;
    if (this.slices.get(row.requestId) !== row) {
      // Timed out or abandoned by terminateAll: nobody wants this slice any more.
      this.abandonedRequests.delete(row.requestId);
      const late: SliceRow = { ...row, sliceId: info.sliceId, state: 'terminating', vms: info.vms, registered: new Set() };
      this.slices.add(late);
      this.slices.record('failed_cleanup', 'create answered after it was abandoned; terminating the late slice', late);
      this.slices.issueTerminate(late);
      this.options.requestEvaluation();
      return;
    }
    row.sliceId = info.sliceId;
    row.vms = info.vms;
    if (info.zone !== undefined) row.zone = info.zone;
    if (info.rawState !== undefined) row.rawState = info.rawState;
    this.slices.move(row, providerTarget([info.state]), 'the provider accepted the create');
    this.health.recordSuccess(row.zone);
    // The cooldown runs from a scale-up that worked: a failed create must not delay the retry.
    this.cooldownUntilMs = Math.max(this.cooldownUntilMs, row.createdAtMs + this.autoscalerConfig.scale_up_delay);
    this.slices.record('scale_up_completed', `provider accepted the create (${info.state})`, row);
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
        this.slices.record(
          'stockout',
          next === null
            ? `${where} out of capacity (${message}); no zone left until ${new Date(until).toISOString()}, demand falls to the next group`
            : `${where} out of capacity (${message}); trying zone ${next ?? 'default'}`,
        );
        break;
      }
      case 'quota': {
        const until = this.health.recordQuota();
        this.slices.record('quota_exceeded', `quota exhausted (${message}); skipping group until ${new Date(until).toISOString()}`);
        break;
      }
      case 'rate_limited': {
        const until = this.health.recordRateLimited(typeof retryAfterMs === 'number' ? retryAfterMs : undefined);
        this.options.providerBucket?.pauseUntil(until);
        this.options.groupBucket.pauseUntil(until);
        this.slices.record('rate_limited', `provider rate limit; waiting until ${new Date(until).toISOString()}`);
        break;
      }
      case 'invalid_request':
      case 'auth': {
        this.health.markUnavailable(`${kind}: ${message}`);
        this.slices.record('unavailable', `${kind} error from the provider; group disabled until the config is fixed: ${message}`);
        break;
      }
      default: {
        const delay = this.health.recordFailure(`${kind}: ${message}`);
        this.slices.record('scale_up_failed', `${kind} error (${message}); backing off ${formatElapsed(delay)}`);
      }
    }
    this.options.requestEvaluation();
  }
}
