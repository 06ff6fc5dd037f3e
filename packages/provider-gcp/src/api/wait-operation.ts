import { ProviderError, type Clock } from '@iris/core';

/** One poll of a long-running operation: done yet, and how it ended. */
export interface OperationPoll<T> {
  done: boolean;
  error?: unknown;
  result?: T;
}

export interface WaitOptions {
  clock: Clock;
  pollMs: number;
  timeoutMs: number;
  /** For the timeout message: `create TPU node x`. */
  action: string;
  zone?: string;
}

/**
 * Polls until the operation is done, on the injected clock (so tests decide how time passes).
 * Resolves to the result; rejects with the operation's own error, untranslated, so the caller
 * maps it like a failed request.
 */
export async function waitForOperation<T>(poll: () => Promise<OperationPoll<T>>, options: WaitOptions): Promise<T | undefined> {
  const deadline = options.clock.now() + options.timeoutMs;
  for (;;) {
    const state = await poll();
    if (state.done) {
      if (state.error) throw state.error;
      return state.result;
    }
    if (options.clock.now() >= deadline) {
      throw new ProviderError(
        'transient',
        `gcp: ${options.action} did not finish within ${Math.round(options.timeoutMs / 1000)}s; the resource is labelled and will be found by the next listing`,
        { provider: 'gcp', ...(options.zone !== undefined ? { zone: options.zone } : {}) },
      );
    }
    await options.clock.sleep(options.pollMs);
  }
}
