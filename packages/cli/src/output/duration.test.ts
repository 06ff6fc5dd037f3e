import { describe, expect, it } from 'vitest';
import { formatElapsed } from './duration.js';

describe('formatElapsed', () => {
  it('prints durations as a person reads them, never raw milliseconds past a second', () => {
    expect(formatElapsed(450)).toBe('450ms');
    expect(formatElapsed(59_400)).toBe('59s');
    expect(formatElapsed(300_463)).toBe('5m0s');
    expect(formatElapsed(3_723_000)).toBe('1h2m3s');
    expect(formatElapsed(2 * 86_400_000 + 3 * 3_600_000)).toBe('2d3h');
    expect(formatElapsed(-5)).toBe('0s');
  });
});
