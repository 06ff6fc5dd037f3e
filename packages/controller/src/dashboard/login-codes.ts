import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '@iris/core';

export interface LoginCode {
  code: string;
  expiresAtMs: number;
}

/**
 * One-time dashboard login codes. `iris dashboard` mints one with the cluster token; the browser
 * trades it once at `/dashboard/login?code=…` for the HttpOnly cookie. Codes are short-lived so a
 * URL left in a terminal's scrollback or a shell history is useless soon after.
 */
export class LoginCodes {
  private readonly codes = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    /** Bounds memory if a client mints codes in a loop. */
    private readonly maxLive = 100,
  ) {}

  mint(): LoginCode {
    this.prune();
    if (this.codes.size >= this.maxLive) {
      // Drop the oldest: Map iteration follows insertion order.
      const oldest = this.codes.keys().next().value;
      if (oldest !== undefined) this.codes.delete(oldest);
    }
    const code = randomBytes(24).toString('base64url');
    const expiresAtMs = this.clock.now() + this.ttlMs;
    this.codes.set(code, expiresAtMs);
    return { code, expiresAtMs };
  }

  /** True once for a live code; the code is gone afterwards (used or not, it cannot be replayed). */
  consume(code: string): boolean {
    this.prune();
    for (const [known, expiresAtMs] of this.codes) {
      const a = Buffer.from(known);
      const b = Buffer.from(code);
      if (a.length === b.length && timingSafeEqual(a, b)) {
        this.codes.delete(known);
        return expiresAtMs > this.clock.now();
      }
    }
    return false;
  }

  get size(): number {
    return this.codes.size;
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [code, expiresAtMs] of this.codes) if (expiresAtMs <= now) this.codes.delete(code);
  }
}
