import { describe, expect, it } from 'vitest';
import { GRPC, gcpErrorKind, isAlreadyExists, isNotFound, retryDelayMs, toProviderError } from './gcp-errors.js';

/** Errors shaped as google-gax hands them over (code, message, decoded statusDetails). */
const quotaError = {
  code: GRPC.RESOURCE_EXHAUSTED,
  message: "Quota limit 'TPUV5sLitepodPerProjectPerZoneForTPUAPI' has been exceeded.",
  statusDetails: [{ reason: 'RATE_LIMIT_EXCEEDED', domain: 'googleapis.com', metadata: { quota_metric: 'tpu.googleapis.com/tpu_v5lite_pod_cores' } }],
};

describe('GCP error → ProviderError kind', () => {
  it.each([
    ['quota (ErrorInfo names a quota metric)', quotaError, 'quota'],
    ['quota (QuotaFailure violations)', { code: 8, message: 'exhausted', statusDetails: [{ violations: [{ subject: 'p' }] }] }, 'quota'],
    ['quota (reason QUOTA_EXCEEDED)', { code: 8, message: 'x', statusDetails: [{ reason: 'QUOTA_EXCEEDED' }] }, 'quota'],
    ['quota (only the message says so)', { code: 8, message: 'Quota exceeded for cores' }, 'quota'],
    ['zone stockout', { code: 8, message: 'There is no more capacity in the zone "europe-west4-b"; you can try in another zone' }, 'capacity'],
    ['GCE resource pool exhausted', { code: 8, message: 'ZONE_RESOURCE_POOL_EXHAUSTED' }, 'capacity'],
    ['stockout reported with a generic code by an operation', { code: 13, message: 'insufficient capacity' }, 'capacity'],
    ['resource exhausted without any hint', { code: 8, message: 'exhausted' }, 'capacity'],
    [
      '429 with RetryInfo',
      { code: 8, message: 'Too many requests', statusDetails: [{ reason: 'RATE_LIMIT_EXCEEDED' }, { retryDelay: { seconds: '7' } }] },
      'rate_limited',
    ],
    ['429 rate limit without RetryInfo', { code: 8, message: 'Too many requests', statusDetails: [{ reason: 'RATE_LIMIT_EXCEEDED' }] }, 'rate_limited'],
    ['INVALID_ARGUMENT', { code: GRPC.INVALID_ARGUMENT, message: 'bad' }, 'invalid_request'],
    ['FAILED_PRECONDITION', { code: GRPC.FAILED_PRECONDITION, message: 'bad state' }, 'invalid_request'],
    ['PERMISSION_DENIED', { code: GRPC.PERMISSION_DENIED, message: 'denied' }, 'auth'],
    ['UNAUTHENTICATED', { code: GRPC.UNAUTHENTICATED, message: 'who are you' }, 'auth'],
    ['NOT_FOUND', { code: GRPC.NOT_FOUND, message: 'gone' }, 'not_found'],
    ['UNAVAILABLE (503)', { code: GRPC.UNAVAILABLE, message: 'unavailable' }, 'transient'],
    ['INTERNAL (500)', { code: GRPC.INTERNAL, message: 'internal' }, 'transient'],
    ['DEADLINE_EXCEEDED', { code: GRPC.DEADLINE_EXCEEDED, message: 'slow' }, 'transient'],
    ['a network failure without a code', new Error('socket hang up'), 'transient'],
    ['a non-error value', 'boom', 'transient'],
  ])('%s', (_name, err, kind) => {
    expect(gcpErrorKind(err)).toBe(kind);
  });

  it('reads the retry delay as decoded or as JSON', () => {
    expect(retryDelayMs([{ retryDelay: { seconds: '7', nanos: 500_000_000 } }])).toBe(7_500);
    expect(retryDelayMs([{ retryDelay: '2.5s' }])).toBe(2_500);
    expect(retryDelayMs([{ reason: 'x' }])).toBeUndefined();
  });

  it('keeps the cause, zone and provider, and advises what to do', () => {
    const wrapped = toProviderError(quotaError, { action: 'create TPU node n', zone: 'europe-west4-b' });
    expect(wrapped.kind).toBe('quota');
    expect(wrapped.cause).toBe(quotaError);
    expect(wrapped.zone).toBe('europe-west4-b');
    expect(wrapped.provider).toBe('gcp');
    expect(wrapped.message).toMatch(/^gcp: create TPU node n failed: Quota limit .*\(raise the quota/);
    const limited = toProviderError({ code: 8, message: 'slow down', statusDetails: [{ retryDelay: '3s' }] }, { action: 'x' });
    expect(limited.retryAfterMs).toBe(3_000);
  });

  it('recognises a lost create race (409 surfaces as ABORTED) and a missing resource', () => {
    expect(isAlreadyExists({ code: GRPC.ABORTED })).toBe(true);
    expect(isAlreadyExists({ code: GRPC.ALREADY_EXISTS })).toBe(true);
    expect(isAlreadyExists({ code: GRPC.NOT_FOUND })).toBe(false);
    expect(isNotFound({ code: GRPC.NOT_FOUND })).toBe(true);
    expect(isNotFound(new Error('x'))).toBe(false);
  });
  it('says to log in when this machine has no Google credentials at all', () => {
    const err = toProviderError(
      new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.'),
      {
        action: 'list TPU accelerator types',
        zone: 'europe-west4-b',
      },
    );
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('gcloud auth application-default login');
  });
});
