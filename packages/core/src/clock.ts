/**
 * Time as a dependency. Logic modules never read Date.now() or call setTimeout directly, so tests
 * drive them with FakeClock and stay deterministic.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const t = setInterval(fn, ms);
    return { cancel: () => clearInterval(t) };
  }
}

interface FakeTimer {
  id: number;
  dueMs: number;
  intervalMs: number | undefined;
  fn: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` fires every timer that falls due, in order,
 * letting promise continuations run between them, so code awaiting `sleep` progresses as it would
 * in real time.
 */
export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: FakeTimer[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const handle = this.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        handle.cancel();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, ms, Math.max(1, ms));
  }

  /** Number of timers still waiting. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flushMicrotasks();
      const next = this.earliest();
      if (!next || next.dueMs > target) break;
      this.current = Math.max(this.current, next.dueMs);
      if (next.intervalMs === undefined) {
        this.timers = this.timers.filter((t) => t.id !== next.id);
      } else {
        next.dueMs += next.intervalMs;
      }
      next.fn();
    }
    this.current = target;
    await flushMicrotasks();
  }

  /** Jumps straight to the next timer and fires it; false when none is waiting. */
  async runNext(): Promise<boolean> {
    await flushMicrotasks();
    const next = this.earliest();
    if (!next) return false;
    await this.advance(Math.max(0, next.dueMs - this.current));
    return true;
  }

  private schedule(fn: () => void, ms: number, intervalMs: number | undefined): TimerHandle {
    const timer: FakeTimer = { id: this.nextId++, dueMs: this.current + Math.max(0, ms), intervalMs, fn };
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((t) => t.id !== timer.id)) };
  }

  private earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) if (!best || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.id < best.id)) best = t;
    return best;
  }
}

async function flushMicrotasks(): Promise<void> {
  // Several turns: a continuation may itself await before scheduling the next timer.
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
