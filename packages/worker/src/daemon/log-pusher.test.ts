import { describe, expect, it } from 'vitest';
import { FakeClock, silentLogger } from '@iris/core';
import { type LogLine } from '@iris/core/api';
import { Backoff } from './backoff.js';
import { LogPusher } from './log-pusher.js';
import { stderrLogger } from './stderr-logger.js';

const line = (n: number): LogLine => ({ task_id: '/j/0', attempt: 0, stream: 'stdout', ts: n, line: `l${n}` });

describe('LogPusher', () => {
  it('sends a partial batch after flushMs and a full batch at once', async () => {
    const clock = new FakeClock();
    const pushed: string[][] = [];
    const p = new LogPusher({
      clock,
      logger: silentLogger,
      push: async (ls) => void pushed.push(ls.map((l) => l.line)),
      flushMs: 100,
      maxBatch: 3,
      maxBuffered: 100,
      retryMs: 1000,
    });
    p.add(line(1));
    await clock.advance(99);
    expect(pushed).toEqual([]);
    await clock.advance(1);
    expect(pushed).toEqual([['l1']]);
    p.add(line(2));
    p.add(line(3));
    p.add(line(4));
    await p.flush();
    expect(pushed).toEqual([['l1'], ['l2', 'l3', 'l4']]);
  });

  it('keeps lines across a failed push, and says how many it dropped beyond its bound', async () => {
    const clock = new FakeClock();
    let fail = true;
    const pushed: string[][] = [];
    const p = new LogPusher({
      clock,
      logger: silentLogger,
      push: async (ls) => {
        if (fail) throw new Error('unreachable');
        pushed.push(ls.map((l) => `${l.stream}:${l.line}`));
      },
      flushMs: 10,
      maxBatch: 10,
      maxBuffered: 3,
      retryMs: 1000,
    });
    for (let i = 1; i <= 5; i++) p.add(line(i));
    await clock.advance(10);
    expect(p.pending).toBe(3);
    fail = false;
    await clock.advance(1000);
    expect(pushed).toEqual([['error:[iris-worker] 2 log lines dropped while the controller was unreachable', 'stdout:l3', 'stdout:l4', 'stdout:l5']]);
    expect(p.pending).toBe(0);
  });
});

describe('Backoff', () => {
  it('doubles up to the ceiling, jittered within the upper half, and resets', () => {
    const seq = [0, 1, 0.5, 1, 1, 1, 1];
    let i = 0;
    const b = new Backoff(100, 1000, () => seq[i++] ?? 1);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([50, 200, 300, 800, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
  });
});

describe('stderrLogger', () => {
  it('writes JSON lines and masks secrets anywhere', () => {
    const out: string[] = [];
    const log = stderrLogger({ secrets: ['s3cr3t-token'], write: (l) => void out.push(l), now: () => 0 });
    log.warn('call failed', { error: 'header was Bearer s3cr3t-token' });
    expect(out).toEqual(['{"ts":"1970-01-01T00:00:00.000Z","level":"warn","msg":"call failed","error":"header was Bearer [redacted]"}\n']);
  });
});

describe('LogPusher while a push is in flight', () => {
  it('keeps lines added during the push for the next batch, in order', async () => {
    const clock = new FakeClock();
    const pushed: string[][] = [];
    let release: () => void = () => undefined;
    let first = true;
    const p = new LogPusher({
      clock,
      logger: silentLogger,
      push: async (ls) => {
        pushed.push(ls.map((l) => l.line));
        if (first) {
          first = false;
          await new Promise<void>((r) => (release = r));
        }
      },
      flushMs: 10,
      maxBatch: 100,
      maxBuffered: 100,
      retryMs: 1000,
    });
    p.add(line(1));
    const flushing = p.flush();
    await Promise.resolve();
    p.add(line(2));
    p.add(line(3));
    release();
    await flushing;
    await p.flush();
    expect(pushed).toEqual([['l1'], ['l2', 'l3']]);
    expect(p.pending).toBe(0);
  });
});
