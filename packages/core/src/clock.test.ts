import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';

describe('FakeClock', () => {
  it('fires timers in due order only when advanced', async () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 20);
    clock.setTimeout(() => fired.push('a'), 10);
    await clock.advance(5);
    expect(fired).toEqual([]);
    await clock.advance(20);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(25);
  });

  it('resolves sleep and lets continuations schedule further timers', async () => {
    const clock = new FakeClock(0);
    const seen: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(10);
        seen.push(clock.now());
      }
    })();
    await clock.advance(30);
    await loop;
    expect(seen).toEqual([10, 20, 30]);
  });

  it('repeats intervals and stops them on cancel', async () => {
    const clock = new FakeClock(0);
    let n = 0;
    const h = clock.setInterval(() => n++, 10);
    await clock.advance(35);
    expect(n).toBe(3);
    h.cancel();
    await clock.advance(100);
    expect(n).toBe(3);
  });

  it('rejects a sleep when its signal aborts', async () => {
    const clock = new FakeClock(0);
    const ac = new AbortController();
    const p = clock.sleep(100, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(clock.pendingTimers()).toBe(0);
  });
});
