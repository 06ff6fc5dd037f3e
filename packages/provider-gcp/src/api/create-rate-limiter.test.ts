import { describe, expect, it } from 'vitest';
import { FakeClock } from '@iris/core';
import { CreateRateLimiter } from './create-rate-limiter.js';

describe('CreateRateLimiter', () => {
  it('lets a burst through at once, then one create per refill interval', async () => {
    const clock = new FakeClock();
    const limiter = new CreateRateLimiter(clock, 60, 2);
    const start = clock.now();
    const granted: number[] = [];
    const all = [0, 1, 2, 3].map((i) => limiter.acquire().then(() => granted.push(i) && clock.now() - start));
    await clock.advance(0);
    expect(granted).toEqual([0, 1]);
    await clock.advance(999);
    expect(granted).toEqual([0, 1]);
    await clock.advance(1);
    expect(granted).toEqual([0, 1, 2]);
    await clock.advance(1000);
    expect(await Promise.all(all)).toEqual([0, 0, 1000, 2000]);
  });

  it("defaults to GCP's 91 creates a minute", async () => {
    const clock = new FakeClock();
    const limiter = new CreateRateLimiter(clock);
    for (let i = 0; i < 91; i++) await limiter.acquire();
    expect(limiter.available()).toBeLessThan(1);
    await clock.advance(60_000);
    expect(limiter.available()).toBe(91);
  });

  it('a waiter that aborts does not hold up the next one', async () => {
    const clock = new FakeClock();
    const limiter = new CreateRateLimiter(clock, 60, 1);
    await limiter.acquire();
    const abort = new AbortController();
    const abandoned = limiter.acquire(abort.signal);
    const next = limiter.acquire();
    abort.abort(new Error('gave up'));
    await expect(abandoned).rejects.toThrow('gave up');
    await clock.advance(1000);
    await expect(next).resolves.toBeUndefined();
  });
});
