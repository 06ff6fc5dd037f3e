import type { Clock } from '@iris/core';

/**
 * A token bucket for create calls. GCP allows about 91 TPU create requests a minute per project;
 * every VM manager of a project shares one bucket so a burst of scale-ups waits instead of
 * drawing 429s.
 */
export class CreateRateLimiter {
  private tokens: number;
  private updatedAtMs: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: Clock,
    readonly perMinute = 91,
    readonly burst = perMinute,
  ) {
    this.tokens = burst;
    this.updatedAtMs = clock.now();
  }

  /** Tokens available right now (fractional while refilling). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Waits until a token is free and takes it. Waiters are served in arrival order. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.takeOne(signal));
    // A caller that gave up must not block the ones behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeOne(signal?: AbortSignal): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const waitMs = Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute);
      await this.clock.sleep(waitMs, signal);
    }
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAtMs);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perMinute) / 60_000);
    this.updatedAtMs = now;
  }
}
