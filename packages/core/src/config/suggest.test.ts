import { describe, expect, it } from 'vitest';
import { closest, editDistance } from './suggest.js';

describe('did-you-mean suggestions', () => {
  it('measures edit distance', () => {
    expect(editDistance('max_slice', 'max_slices')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests only a likely typo', () => {
    expect(closest('max_slice', ['min_slices', 'max_slices', 'priority'])).toBe('max_slices');
    expect(closest('Controler', ['controller', 'defaults'])).toBe('controller');
    expect(closest('zebra', ['user', 'port', 'key_file'])).toBeUndefined();
  });
});
