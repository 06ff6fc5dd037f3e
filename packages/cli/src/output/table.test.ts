import { describe, expect, it } from 'vitest';
import { formatTable } from './table.js';

describe('formatTable', () => {
  it('pads every column to its widest cell and trims line ends', () => {
    const text = formatTable(
      ['TYPE', 'ALIASES'],
      [
        ['gcp', 'tpu'],
        ['manual', ''],
      ],
    );
    expect(text).toBe('TYPE    ALIASES\ngcp     tpu\nmanual\n');
  });

  it('prints only the header when there are no rows', () => {
    expect(formatTable(['A', 'BB'], [])).toBe('A  BB\n');
  });

  it('treats missing cells as empty', () => {
    expect(formatTable(['A', 'B'], [['x']])).toBe('A  B\nx\n');
  });
});
