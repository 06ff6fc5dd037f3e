import type { AutoscalerConfig, Clock } from '@iris/core';

/** Why a group cannot create right now; undefined when nothing holds it back. */
export interface HealthBlock {
  readonly condition: 'unavailable' | 'quota' | 'stockout' | 'backoff';
  readonly detail: string;
  /** When the block lifts on its own; undefined when it never does (unavailable). */
  readonly untilMs: number | undefined;
}

export interface ZoneStockout {
  readonly zone: string;
  readonly untilMs: number;
}

/** Backoff, quota, rate-limit, stockout and unavailability of one group: the provider's answers. */
export class GroupHealth {
  consecutiveFailures = 0;
  backoffUntilMs = 0;
  backoffReason = '';
  quotaUntilMs = 0;
  rateLimitedUntilMs = 0;
  unavailableReason: string | undefined;
  private readonly zoneStockouts = new Map<string, { untilMs: number; failures: number }>();
  /** Stockout of a provider without zones. */
  private groupStockout = { untilMs: 0, failures: 0 };

  constructor(
    private readonly config: AutoscalerConfig,
    private readonly clock: Clock,
    readonly zones: readonly string[],
  ) {}

  /** Exponential: backoff_initial x backoff_factor^(n-1), capped at backoff_max. */
  backoffDelay(failures: number): number {
    const exp = Math.min(60, Math.max(0, failures - 1));
    return Math.min(this.config.backoff_max, this.config.backoff_initial * this.config.backoff_factor ** exp);
  }

  recordFailure(reason: string): number {
    this.consecutiveFailures++;
    const delay = this.backoffDelay(this.consecutiveFailures);
    this.backoffUntilMs = Math.max(this.backoffUntilMs, this.clock.now() + delay);
    this.backoffReason = reason;
    return delay;
  }

  recordSuccess(zone: string | undefined): void {
    this.consecutiveFailures = 0;
    this.backoffUntilMs = 0;
    this.backoffReason = '';
    this.quotaUntilMs = 0;
    if (zone !== undefined) this.zoneStockouts.delete(zone);
    this.groupStockout = { untilMs: 0, failures: 0 };
  }

  recordQuota(): number {
    this.quotaUntilMs = this.clock.now() + this.config.quota_timeout;
    return this.quotaUntilMs;
  }

  recordRateLimited(retryAfterMs: number | undefined): number {
    const until = this.clock.now() + (retryAfterMs ?? this.config.backoff_initial);
    this.rateLimitedUntilMs = Math.max(this.rateLimitedUntilMs, until);
    return this.rateLimitedUntilMs;
  }

  /** A stockout in `zone` (or the whole group when it has no zones); returns when it is retried. */
  recordStockout(zone: string | undefined): number {
    const now = this.clock.now();
    if (zone === undefined || !this.zones.includes(zone)) {
      this.groupStockout.failures++;
      this.groupStockout.untilMs = now + this.backoffDelay(this.groupStockout.failures);
      return this.groupStockout.untilMs;
    }
    const prev = this.zoneStockouts.get(zone);
    const failures = (prev?.failures ?? 0) + 1;
    const untilMs = now + this.backoffDelay(failures);
    this.zoneStockouts.set(zone, { untilMs, failures });
    return untilMs;
  }

  markUnavailable(reason: string): void {
    this.unavailableReason = reason;
  }

  /**
   * The zone for the next create: the first configured zone not in stockout. undefined means the
   * provider takes no zone; null means every zone is out of capacity.
   */
  pickZone(): string | undefined | null {
    const now = this.clock.now();
    if (this.zones.length === 0) return now < this.groupStockout.untilMs ? null : undefined;
    for (const zone of this.zones) {
      const s = this.zoneStockouts.get(zone);
      if (!s || now >= s.untilMs) return zone;
    }
    return null;
  }

  stockouts(): ZoneStockout[] {
    const now = this.clock.now();
    const out: ZoneStockout[] = [];
    for (const [zone, s] of this.zoneStockouts) if (now < s.untilMs) out.push({ zone, untilMs: s.untilMs });
    if (now < this.groupStockout.untilMs) out.push({ zone: '*', untilMs: this.groupStockout.untilMs });
    return out;
  }

  private stockoutEndMs(): number {
    if (this.zones.length === 0) return this.groupStockout.untilMs;
    let earliest = Number.POSITIVE_INFINITY;
    for (const zone of this.zones) earliest = Math.min(earliest, this.zoneStockouts.get(zone)?.untilMs ?? 0);
    return earliest;
  }

  block(): HealthBlock | undefined {
    const now = this.clock.now();
    if (this.unavailableReason !== undefined) {
      return { condition: 'unavailable', detail: this.unavailableReason, untilMs: undefined };
    }
    if (now < this.quotaUntilMs) {
      return { condition: 'quota', detail: `quota exhausted; retry after ${iso(this.quotaUntilMs)}`, untilMs: this.quotaUntilMs };
    }
    if (this.pickZone() === null) {
      const until = this.stockoutEndMs();
      const where = this.zones.length ? `every zone (${this.zones.join(', ')})` : 'the provider';
      return { condition: 'stockout', detail: `${where} out of capacity; retry after ${iso(until)}`, untilMs: until };
    }
    if (now < this.rateLimitedUntilMs) {
      return { condition: 'backoff', detail: `rate limited by the provider until ${iso(this.rateLimitedUntilMs)}`, untilMs: this.rateLimitedUntilMs };
    }
    if (now < this.backoffUntilMs) {
      return {
        condition: 'backoff',
        detail: `backing off after ${this.consecutiveFailures} failure(s) (${this.backoffReason}) until ${iso(this.backoffUntilMs)}`,
        untilMs: this.backoffUntilMs,
      };
    }
    return undefined;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
