import type { Clock } from '@iris/core';

/**
 * A token bucket refilled continuously at `ratePerMinute`, holding at most `burst` tokens. It can
 * also be paused (a provider said 429: nothing until `retryAfter` has passed).
 */
export class TokenBucket {
  private tokens: number;
  private updatedMs: number;
  private pausedUntilMs = 0;

  constructor(
    private readonly clock: Clock,
    readonly ratePerMinute: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
    this.updatedMs = clock.now();
  }

  /** Whole tokens available now. */
  available(): number {
    if (this.clock.now() < this.pausedUntilMs) return 0;
    this.refill();
    return Math.floor(this.tokens);
  }

  /** Takes `n` tokens; callers check `available()` first. */
  take(n: number): void {
    this.refill();
    this.tokens = Math.max(0, this.tokens - n);
  }

  pauseUntil(ms: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, ms);
  }

  /** When the next whole token will be available (now if one is). */
  nextTokenAtMs(): number {
    const now = this.clock.now();
    if (now < this.pausedUntilMs) return this.pausedUntilMs;
    this.refill();
    if (this.tokens >= 1) return now;
    if (this.ratePerMinute <= 0) return Number.POSITIVE_INFINITY;
    return now + Math.ceil(((1 - this.tokens) * 60_000) / this.ratePerMinute);
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedMs);
    this.updatedMs = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerMinute) / 60_000);
  }
}
