import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatSize, parseDuration, parseSize } from './units.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1_500],
    ['2d', 172_800_000],
    [1234, 1234],
    [{ milliseconds: 5000 }, 5000],
  ] as const)('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['5 minutes', '', '10', 'm5', '1h 30m', '-5s'])('rejects %j and shows what is valid', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration .*e\.g\. 500ms, 30s, 5m, 1h30m/);
  });

  it('rejects negative, fractional and non-numeric values', () => {
    expect(() => parseDuration(-1)).toThrow(/non-negative/);
    expect(() => parseDuration(1.5)).toThrow(/whole/);
    expect(() => parseDuration({ seconds: 3 })).toThrow(/invalid duration/);
    expect(() => parseDuration(true)).toThrow(/invalid duration/);
  });
});

describe('parseSize', () => {
  it.each([
    ['64GB', 64e9],
    ['512MiB', 512 * 2 ** 20],
    ['1TB', 1e12],
    ['1GiB', 2 ** 30],
    ['100 GB', 100e9],
    ['10kb', 10_000],
    [4096, 4096],
  ] as const)('reads %j as %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['lots', '64G', 'GB', '-1GB', ''])('rejects %j', (text) => {
    expect(() => parseSize(text)).toThrow(/invalid size .*e\.g\. 64GB, 512MiB/);
  });
});

describe('format and parse round-trip', () => {
  it('formatDuration picks the shortest exact text', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(1_500)).toBe('1500ms');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(3_600_000)).toBe('1h');
  });

  it('formatSize prefers the largest exact unit', () => {
    expect(formatSize(2 ** 30)).toBe('1GiB');
    expect(formatSize(64e9)).toBe('64GB');
    expect(formatSize(1023)).toBe('1023B');
  });

  it('parse(format(x)) === x for any whole value', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), (n) => parseDuration(formatDuration(n)) === n && parseSize(formatSize(n)) === n),
      { seed: 42, numRuns: 2000 },
    );
  });
});
