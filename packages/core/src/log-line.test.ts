import { describe, expect, it } from 'vitest';
import { formatLogLine } from './log-line.js';

describe('formatLogLine', () => {
  const ts = Date.UTC(2026, 10, 29, 17, 5, 0);

  it('writes one JSON object per line for machines', () => {
    expect(JSON.parse(formatLogLine('json', ts, 'info', 'controller serving', { url: 'http://x:1', jobs: 3 }))).toEqual({
      ts: '2026-11-29T17:05:00.000Z',
      level: 'info',
      message: 'controller serving',
      url: 'http://x:1',
      jobs: 3,
    });
  });

  it('writes key=value text for people, quoting values with spaces, with the same fields', () => {
    expect(formatLogLine('text', ts, 'warn', 'worker declared dead', { worker: 'w1', why: 'no reconcile for 1m0s', n: 2 })).toBe(
      '2026-11-29T17:05:00.000Z WARN  worker declared dead worker=w1 why="no reconcile for 1m0s" n=2\n',
    );
  });
});
