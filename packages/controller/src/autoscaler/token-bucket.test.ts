import { FakeClock } from '@iris/core';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('starts full, refills continuously up to the burst, and says when the next token comes', async () => {
    const clock = new FakeClock(0);
    const b = new TokenBucket(clock, 60, 3);
    expect(b.available()).toBe(3);
    b.take(3);
    expect(b.available()).toBe(0);
    expect(b.nextTokenAtMs()).toBe(1_000);
    await clock.advance(2_500);
    expect(b.available()).toBe(2);
    await clock.advance(60_000);
    expect(b.available()).toBe(3);
  });

  it('gives nothing while paused by a retry-after', async () => {
    const clock = new FakeClock(0);
    const b = new TokenBucket(clock, 60, 3);
    b.pauseUntil(5_000);
    expect(b.available()).toBe(0);
    expect(b.nextTokenAtMs()).toBe(5_000);
    await clock.advance(5_000);
    expect(b.available()).toBe(3);
  });
});
