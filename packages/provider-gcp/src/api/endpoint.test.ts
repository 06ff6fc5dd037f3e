import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@iris/core';
import { anonymousAuthClient, GCP_BAD_ENDPOINT, parseApiEndpoint } from './endpoint.js';

describe('parseApiEndpoint', () => {
  it("leaves Google's endpoints alone when none is set", () => {
    expect(parseApiEndpoint(undefined)).toBeUndefined();
  });

  it('splits an http endpoint into host, port and protocol, without credentials', () => {
    expect(parseApiEndpoint('http://127.0.0.1:8470')).toEqual({ apiEndpoint: '127.0.0.1', port: 8470, protocol: 'http', anonymous: true });
    expect(parseApiEndpoint('http://emulator')?.port).toBe(80);
  });

  it('keeps credentials for https endpoints (Private Service Connect)', () => {
    expect(parseApiEndpoint('https://tpu-psc.p.googleapis.com')).toEqual({
      apiEndpoint: 'tpu-psc.p.googleapis.com',
      port: 443,
      protocol: 'https',
      anonymous: false,
    });
  });

  it('refuses what is not an http(s) URL, naming the field', () => {
    for (const bad of ['tpu.googleapis.com', 'ftp://x']) {
      let caught: unknown;
      try {
        parseApiEndpoint(bad);
      } catch (err) {
        caught = err;
      }
      expect(hasErrorCode(caught, GCP_BAD_ENDPOINT)).toBe(true);
      expect((caught as Error).message).toContain('api_endpoint');
    }
  });

  it('the anonymous auth client adds no headers and fetches with global fetch', async () => {
    const auth = anonymousAuthClient() as { getRequestHeaders: () => Promise<unknown>; fetch: unknown };
    expect(await auth.getRequestHeaders()).toEqual({});
    expect(typeof auth.fetch).toBe('function');
  });
});
