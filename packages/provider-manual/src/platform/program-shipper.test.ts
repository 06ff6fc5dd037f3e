import { describe, expect, it } from 'vitest';
import { programCacheDir } from './program-shipper.js';

describe('programCacheDir', () => {
  it('is IRIS_PROGRAM_CACHE when set, else the XDG cache, else ~/.cache', () => {
    expect(programCacheDir({ IRIS_PROGRAM_CACHE: '/srv/iris/programs', XDG_CACHE_HOME: '/x', HOME: '/home/u' })).toBe('/srv/iris/programs');
    expect(programCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/home/u' })).toBe('/x/iris/programs');
    expect(programCacheDir({ HOME: '/home/u' })).toBe('/home/u/.cache/iris/programs');
  });
});
