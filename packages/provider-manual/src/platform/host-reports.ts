import type { Clock } from '@iris/core';

/** Why a host is unhealthy, as data for `iris status`, `explain` and the hosts API. */
export interface HostReport {
  /** The host entry as written in `hosts`. */
  host: string;
  /** The scale group whose slice met the failure (two groups sharing a host get an entry each). */
  group: string;
  /** Always `host_unavailable`: what the failure means for the group, never a stockout. */
  reason: 'host_unavailable';
  /** The step that failed: connect, program, prerequisites, configure, start, status, stop. */
  step: string;
  error: string;
  /** The last lines the host printed before failing (never secrets: scripts do not echo env). */
  lastLines: string[];
  failures: number;
  atMs: number;
  /** A new slice will not pick the host before this time. */
  retryAfterMs: number;
}

const LAST_LINES = 10;

/**
 * Remembers hosts that failed, with exponential backoff before one is picked again, and a report
 * per host and group. A host that works again clears its reports.
 */
export class HostHealth {
  private readonly backoff = new Map<string, { failures: number; retryAfterMs: number }>();
  private readonly reports = new Map<string, HostReport>();

  constructor(
    private readonly clock: Clock,
    private readonly backoffInitialMs: number,
    private readonly backoffMaxMs: number,
  ) {}

  markFailed(host: string, group: string, step: string, error: string, output: readonly string[]): HostReport {
    const failures = (this.backoff.get(host)?.failures ?? 0) + 1;
    const delay = Math.min(this.backoffInitialMs * 2 ** (failures - 1), this.backoffMaxMs);
    const now = this.clock.now();
    this.backoff.set(host, { failures, retryAfterMs: now + delay });
    const key = `${host}\0${group}`;
    const report: HostReport = {
      host,
      group,
      reason: 'host_unavailable',
      step,
      error,
      lastLines: output.slice(-LAST_LINES),
      failures: (this.reports.get(key)?.failures ?? 0) + 1,
      atMs: now,
      retryAfterMs: now + delay,
    };
    this.reports.set(key, report);
    return report;
  }

  markHealthy(host: string): void {
    this.backoff.delete(host);
    for (const [key, r] of this.reports) if (r.host === host) this.reports.delete(key);
  }

  isAvailable(host: string): boolean {
    const b = this.backoff.get(host);
    return !b || b.retryAfterMs <= this.clock.now();
  }

  /** When the host may be picked again (now when it is not in backoff). */
  retryAfterMs(host: string): number {
    return this.backoff.get(host)?.retryAfterMs ?? this.clock.now();
  }

  /** Failures so far, for ordering: healthy hosts are picked before recovered ones. */
  failures(host: string): number {
    return this.backoff.get(host)?.failures ?? 0;
  }

  /** The latest report of `host` for any group. */
  latest(host: string): HostReport | undefined {
    let best: HostReport | undefined;
    for (const r of this.reports.values()) if (r.host === host && (!best || r.atMs >= best.atMs)) best = r;
    return best;
  }

  list(): HostReport[] {
    return [...this.reports.values()].map((r) => ({ ...r, lastLines: [...r.lastLines] }));
  }
}
