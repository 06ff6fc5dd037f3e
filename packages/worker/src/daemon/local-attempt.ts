import type { AttemptReport, AttemptStart, ReportableAttemptState } from '@iris/core/api';
import type { RunningAttempt } from '../runtime/types.js';

const TERMINAL: readonly ReportableAttemptState[] = ['SUCCEEDED', 'FAILED', 'KILLED', 'WORKER_FAILED'];

/** One attempt as this worker holds it, from receipt until the controller acknowledges its end. */
export class LocalAttempt {
  state: ReportableAttemptState = 'BUILDING';
  exitCode: number | undefined;
  signal: string | undefined;
  error: string | undefined;
  running: RunningAttempt | undefined;
  /** When the process started and ended (this worker's clock), reported so fast tasks have times. */
  startedAtMs: number | undefined;
  finishedAtMs: number | undefined;
  /** Set when a kill arrives before the process exists; the start path honours it. */
  killRequested: { reason: string; state: 'KILLED' | 'WORKER_FAILED' } | undefined;

  constructor(readonly start: AttemptStart) {}

  get key(): string {
    return attemptKey(this.start.task_id, this.start.attempt);
  }

  get terminal(): boolean {
    return TERMINAL.includes(this.state);
  }

  report(): AttemptReport {
    const r: AttemptReport = { task_id: this.start.task_id, attempt: this.start.attempt, state: this.state };
    if (this.exitCode !== undefined) r.exit_code = this.exitCode;
    if (this.signal !== undefined) r.signal = this.signal;
    if (this.error !== undefined) r.error = this.error;
    if (this.startedAtMs !== undefined) r.started_at_ms = this.startedAtMs;
    if (this.finishedAtMs !== undefined && this.terminal) r.finished_at_ms = this.finishedAtMs;
    return r;
  }
}

export function attemptKey(taskId: string, attempt: number): string {
  return `${taskId}#${attempt}`;
}
