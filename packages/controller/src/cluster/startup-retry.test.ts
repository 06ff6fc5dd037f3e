import { describe, expect, it } from 'vitest';
import { FakeClock, ProviderError, silentLogger, type Platform, type ScaleGroupConfig, type SliceInfo, type VmManager } from '@iris/core';
import { StartupRetry } from './startup-retry.js';

/** A platform whose listings fail with the given errors first, then answer. */
function flakyPlatform(failures: Error[]): { platform: Platform; calls: () => number } {
  let calls = 0;
  const listSlices = async (): Promise<SliceInfo[]> => {
    calls++;
    const failure = failures.shift();
    if (failure) throw failure;
    return [];
  };
  const manager = { group: 'g', listSlices, createSlice: async () => ({}) as SliceInfo, terminateSlice: async () => undefined } satisfies VmManager;
  const platform = {
    type: 'flaky',
    vmManager: () => manager,
    listVms: async () => [],
    startVms: async () => [],
    stopVms: async () => undefined,
    tunnel: async (a: string) => ({ localAddress: a, close: async () => undefined }),
    controllerHost: () => {
      throw new Error('unused');
    },
  } satisfies Platform;
  return { platform, calls: () => calls };
}

const group = { name: 'g' } as ScaleGroupConfig;

async function settle<T>(clock: FakeClock, promise: Promise<T>): Promise<T> {
  let done = false;
  void promise.finally(() => (done = true)).catch(() => undefined);
  for (let i = 0; i < 100 && !done; i++) await clock.advance(60_000);
  return promise;
}

describe('StartupRetry', () => {
  it('retries transient and rate-limited failures while the controller starts, with growing waits', async () => {
    const clock = new FakeClock();
    const { platform, calls } = flakyPlatform([
      new ProviderError('transient', '503 Service Unavailable'),
      new ProviderError('rate_limited', '429', { retryAfterMs: 5_000 }),
      new ProviderError('transient', '503 again'),
    ]);
    const retry = new StartupRetry({ clock, logger: silentLogger, initialDelayMs: 1_000, maxDelayMs: 60_000 });
    const manager = retry
      .platforms(new Map([['g', platform]]))
      .get('g')!
      .vmManager(group);
    const started = clock.now();
    await expect(settle(clock, manager.listSlices())).resolves.toEqual([]);
    expect(calls()).toBe(4);
    expect(retry.state).toMatchObject({ attempts: 3, lastError: expect.stringContaining('503 again') });
    // 1 s, then max(2 s, retry-after 5 s), then 4 s.
    expect(clock.now() - started).toBeGreaterThanOrEqual(10_000);
  });

  it('does not wait on failures that waiting cannot fix, nor after start-up', async () => {
    const clock = new FakeClock();
    const auth = flakyPlatform([new ProviderError('auth', 'no credentials')]);
    const retry = new StartupRetry({ clock, logger: silentLogger, initialDelayMs: 1_000, maxDelayMs: 60_000 });
    await expect(
      retry
        .platforms(new Map([['g', auth.platform]]))
        .get('g')!
        .vmManager(group)
        .listSlices(),
    ).rejects.toThrow('no credentials');
    expect(auth.calls()).toBe(1);

    const later = flakyPlatform([new ProviderError('transient', '503')]);
    const wrapped = retry.platforms(new Map([['g', later.platform]])).get('g')!;
    retry.done();
    await expect(wrapped.vmManager(group).listSlices()).rejects.toThrow('503');
    expect(later.calls()).toBe(1);
  });

  it('passes every other member through to the platform', async () => {
    const { platform } = flakyPlatform([]);
    const wrapped = new StartupRetry({ clock: new FakeClock(), logger: silentLogger, initialDelayMs: 1, maxDelayMs: 1 })
      .platforms(new Map([['g', platform]]))
      .get('g')!;
    expect(wrapped.type).toBe('flaky');
    await expect(wrapped.tunnel('x:1')).resolves.toMatchObject({ localAddress: 'x:1' });
  });
});
