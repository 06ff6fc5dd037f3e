import type { Clock, Logger, TimerHandle } from '@iris/core';
import type { LogLine } from '@iris/core/api';

export interface LogPusherOptions {
  clock: Clock;
  logger: Logger;
  push(lines: LogLine[]): Promise<void>;
  /** A partial batch waits at most this long. */
  flushMs: number;
  /** Lines per push; a full batch goes at once. */
  maxBatch: number;
  /** Lines kept while the controller is unreachable; older ones are dropped beyond it. */
  maxBuffered: number;
  /** Delay before retrying a failed push. */
  retryMs: number;
}

/** Batches task log lines and pushes them to the controller, keeping them across failed pushes. */
export class LogPusher {
  private buffer: LogLine[] = [];
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  private dropped = 0;
  /** Lines dropped from the front while a batch was being pushed (they were part of it). */
  private droppedDuringPush = 0;

  constructor(private readonly options: LogPusherOptions) {}

  add(line: LogLine): void {
    this.buffer.push(line);
    if (this.buffer.length > this.options.maxBuffered) {
      const excess = this.buffer.length - this.options.maxBuffered;
      this.buffer.splice(0, excess);
      this.dropped += excess;
      this.droppedDuringPush += excess;
    }
    if (this.buffer.length >= this.options.maxBatch) void this.flush();
    else this.schedule(this.options.flushMs);
  }

  /** Lines waiting to be pushed. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Pushes everything buffered now; resolves when done (or failed, lines kept for a retry). */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (this.buffer.length === 0) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.inFlight = this.pushAll().finally(() => (this.inFlight = undefined));
    await this.inFlight;
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private async pushAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, this.options.maxBatch);
      const taken = batch.length;
      this.droppedDuringPush = 0;
      if (this.dropped > 0) {
        const first = batch[0];
        if (first) {
          batch.unshift({ ...first, stream: 'error', line: `[iris-worker] ${this.dropped} log lines dropped while the controller was unreachable` });
        }
      }
      try {
        await this.options.push(batch);
      } catch (first) {
        // One immediate retry: a pooled connection the server just closed fails once and then
        // works, and a task's end should not wait a retry period for its last lines.
        try {
          await this.options.push(batch);
        } catch (err) {
          this.options.logger.warn('log push failed; will retry', {
            lines: this.buffer.length,
            error: (err as Error).message,
            first: (first as Error).message,
          });
          this.schedule(this.options.retryMs);
          return;
        }
      }
      this.dropped = 0;
      // Only what was sent: lines added during the push stay for the next batch.
      this.buffer.splice(0, Math.max(0, taken - this.droppedDuringPush));
    }
  }

  private schedule(ms: number): void {
    if (this.timer) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
  }
}
