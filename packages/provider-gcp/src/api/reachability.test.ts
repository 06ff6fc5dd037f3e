import { describe, expect, it } from 'vitest';
import { connectionFailure, EndpointReachability, EndpointUnreachableError, UNREACHABLE_GRACE_MS } from './reachability.js';

const refused = Object.assign(new Error('request to http://127.0.0.1:9/v2/x failed, reason: connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
// Native fetch: "fetch failed", the code on the cause.
const noHost = new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND tpu.example'), { code: 'ENOTFOUND' }) });
const answered = Object.assign(new Error('503 The service is currently unavailable.'), { code: 14 });

describe('connectionFailure', () => {
  it('finds the code on the error, on its cause, or in the message, and nothing on an answered error', () => {
    expect(connectionFailure(refused)).toBe('ECONNREFUSED');
    expect(connectionFailure(noHost)).toBe('ENOTFOUND');
    expect(connectionFailure(new Error('getaddrinfo EAI_AGAIN compute.googleapis.com'))).toBe('EAI_AGAIN');
    expect(connectionFailure(answered)).toBeUndefined();
    expect(connectionFailure('text')).toBeUndefined();
  });
});

describe('EndpointReachability', () => {
  it('lets a never-answering endpoint refuse for the grace period, then reports it unreachable', () => {
    let now = 1_000;
    const r = new EndpointReachability('http://127.0.0.1:9', () => now);
    expect(r.failed(refused)).toBe(refused);
    now += UNREACHABLE_GRACE_MS - 1;
    expect(r.failed(noHost)).toBe(noHost);
    now += 1;
    const err = r.failed(refused);
    expect(err).toBeInstanceOf(EndpointUnreachableError);
    expect((err as Error).message).toBe('nothing answers at http://127.0.0.1:9 (ECONNREFUSED) since the first call 30s ago');
    expect((err as Error).cause).toBe(refused);
  });

  it('keeps connection failures transient once the endpoint answered, even with an error status', () => {
    let now = 0;
    const r = new EndpointReachability('https://tpu.googleapis.com', () => now);
    expect(r.failed(answered)).toBe(answered);
    now += 10 * UNREACHABLE_GRACE_MS;
    expect(r.failed(refused)).toBe(refused);
    const fresh = new EndpointReachability('e', () => now);
    fresh.failed(refused);
    fresh.succeeded();
    now += 10 * UNREACHABLE_GRACE_MS;
    expect(fresh.failed(refused)).toBe(refused);
  });
});
