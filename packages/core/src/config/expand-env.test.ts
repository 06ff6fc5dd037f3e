import { describe, expect, it } from 'vitest';
import { expandEnv } from './expand-env.js';

describe('expandEnv', () => {
  const env = { HOST: '10.0.0.1', PORT: '10000', EMPTY: '' };

  it('expands ${VAR} and ${VAR:-fallback}', () => {
    expect(expandEnv('${HOST}:${PORT}', env)).toEqual({ value: '10.0.0.1:10000', unset: [] });
    expect(expandEnv('${MISSING:-localhost}:${PORT}', env)).toEqual({ value: 'localhost:10000', unset: [] });
    expect(expandEnv('${EMPTY:-x}', env)).toEqual({ value: 'x', unset: [] });
  });

  it('reports unset variables and leaves other text alone', () => {
    expect(expandEnv('http://${MISSING}/x', env)).toEqual({ value: 'http:///x', unset: ['MISSING'] });
    expect(expandEnv('$HOST ${not valid} $${HOST}', env).value).toBe('$HOST ${not valid} $10.0.0.1');
  });
});
