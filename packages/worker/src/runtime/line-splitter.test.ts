import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('LineSplitter', () => {
  it('joins lines split across chunks, including a multi-byte character cut in half', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const bytes = enc('héllo\nwor');
    s.push(bytes.slice(0, 2)); // cuts "é" in the middle
    s.push(bytes.slice(2));
    s.push(enc('ld\r\n\n'));
    s.end();
    expect(lines).toEqual(['héllo', 'world', '']);
  });

  it('cuts a line longer than the bound instead of growing without limit', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), 4);
    s.push(enc('abcdefghij'));
    s.end();
    expect(lines).toEqual(['abcd', 'efgh', 'ij']);
  });
});
