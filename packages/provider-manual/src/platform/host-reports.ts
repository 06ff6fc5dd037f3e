import type { Clock } from '@iris/core';

/** Why a host is unhealthy, as data for `iris status`. */
export interface HostReport {
  /** The host entry as written in `hosts`. */
  host: string;
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
 * Remembers hosts that failed, with exponential backoff before one is picked again. A host that
 * works again clears its report.
 */
export class HostHealth {
  private readonly reports = new Map<string, HostReport>();

  constructor(
    private readonly clock: Clock,
    private readonly backoffInitialMs: number,
    private readonly backoffMaxMs: number,
  ) {}

  markFailed(host: string, step: string, error: string, output: readonly string[]): HostReport {
    const previous = this.reports.get(host);
    const failures = (previous?.failures ?? 0) + 1;
    const delay = Math.min(this.backoffInitialMs * 2 ** (failures - 1), this.backoffMaxMs);
    const now = this.clock.now();
    const report: HostReport = { host, step, error, lastLines: output.slice(-LAST_LINES), failures, atMs: now, retryAfterMs: now + delay };
    this.reports.set(host, report);
    return report;
  }

  markHealthy(host: string): void {
    this.reports.delete(host);
  }

  isAvailable(host: string): boolean {
    const report = this.reports.get(host);
    return !report || report.retryAfterMs <= this.clock.now();
  }

  /** Failures so far, for ordering: healthy hosts are picked before recovered ones. */
  failures(host: string): number {
    return this.reports.get(host)?.failures ?? 0;
  }

  list(): HostReport[] {
    return [...this.reports.values()].map((r) => ({ ...r, lastLines: [...r.lastLines] }));
  }
}
