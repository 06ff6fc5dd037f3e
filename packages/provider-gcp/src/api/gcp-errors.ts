import { ProviderError, type ProviderErrorKind } from '@iris/core';
import { EndpointUnreachableError } from './reachability.js';

/** gRPC status codes, which both client libraries put on `err.code` (REST statuses are mapped). */
export const GRPC = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The fields of a google-gax GoogleError (or an LRO's `error`) this module reads. */
interface GoogleErrorLike {
  code?: unknown;
  message?: unknown;
  reason?: unknown;
  statusDetails?: unknown;
  details?: unknown;
}

export interface ErrorContext {
  /** What was being done, for the message: `create TPU node x in zone z`. */
  action: string;
  zone?: string;
  /** The command that does the same by hand, for an operator finishing what Iris could not. */
  byHand?: string;
}

// Real stockouts say "no more capacity in the zone"; queued-resource and GCE variants word it as
// insufficient capacity or ZONE_RESOURCE_POOL_EXHAUSTED.
const STOCKOUT_TEXT = /no more capacity|insufficient capacity|resource_pool_exhausted|stockout|out of capacity/i;
const QUOTA_TEXT = /quota/i;

function asError(err: unknown): GoogleErrorLike {
  return typeof err === 'object' && err !== null ? (err as GoogleErrorLike) : { message: String(err) };
}

function detailsOf(e: GoogleErrorLike): Record<string, unknown>[] {
  const raw = Array.isArray(e.statusDetails) ? e.statusDetails : Array.isArray(e.details) ? e.details : [];
  return raw.filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null);
}

/** `RetryInfo.retryDelay` as decoded ({seconds, nanos}) or as JSON ("7s"), in milliseconds. */
export function retryDelayMs(details: readonly Record<string, unknown>[]): number | undefined {
  for (const d of details) {
    const delay = d.retryDelay;
    if (typeof delay === 'string') {
      const m = /^(\d+(?:\.\d+)?)s$/.exec(delay);
      if (m) return Math.round(Number(m[1]) * 1000);
    } else if (typeof delay === 'object' && delay !== null) {
      const { seconds, nanos } = delay as { seconds?: unknown; nanos?: unknown };
      return Number(seconds ?? 0) * 1000 + Math.round(Number(nanos ?? 0) / 1e6);
    }
  }
  return undefined;
}

function hasQuotaDetail(e: GoogleErrorLike, details: readonly Record<string, unknown>[]): boolean {
  if (details.some((d) => Array.isArray(d.violations))) return true; // google.rpc.QuotaFailure
  return (
    details.some((d) => {
      const metadata = d.metadata as Record<string, unknown> | undefined;
      const reason = typeof d.reason === 'string' ? d.reason : '';
      return (metadata !== undefined && 'quota_metric' in metadata) || /QUOTA/.test(reason);
    }) || /QUOTA/.test(typeof e.reason === 'string' ? e.reason : '')
  );
}

/**
 * RESOURCE_EXHAUSTED means three different things at GCP, told apart by the error's details:
 * a quota (QuotaFailure, or ErrorInfo naming a quota metric), a rate limit (RetryInfo), or a zone
 * out of the hardware (the stockout message, which carries no structured detail).
 */
function exhaustedKind(e: GoogleErrorLike, details: readonly Record<string, unknown>[], message: string): ProviderErrorKind {
  if (hasQuotaDetail(e, details)) return 'quota';
  if (retryDelayMs(details) !== undefined) return 'rate_limited';
  if (STOCKOUT_TEXT.test(message)) return 'capacity';
  if (QUOTA_TEXT.test(message)) return 'quota';
  if (details.some((d) => d.reason === 'RATE_LIMIT_EXCEEDED')) return 'rate_limited';
  return 'capacity';
}

/** The ProviderError kind of a Google API error (a gax GoogleError or a long-running operation's error). */
export function gcpErrorKind(err: unknown): ProviderErrorKind {
  const e = asError(err);
  const message = typeof e.message === 'string' ? e.message : '';
  const details = detailsOf(e);
  // google-auth-library fails before any request when this machine has no credentials at all.
  if (NO_CREDENTIALS_TEXT.test(message)) return 'auth';
  switch (Number(e.code)) {
    case GRPC.RESOURCE_EXHAUSTED:
      return exhaustedKind(e, details, message);
    case GRPC.INVALID_ARGUMENT:
    case GRPC.FAILED_PRECONDITION:
    case GRPC.OUT_OF_RANGE:
    case GRPC.UNIMPLEMENTED:
      return 'invalid_request';
    case GRPC.PERMISSION_DENIED:
    case GRPC.UNAUTHENTICATED:
      return 'auth';
    case GRPC.NOT_FOUND:
      return 'not_found';
    default:
      // A stockout reported by an operation can arrive with a generic code.
      if (STOCKOUT_TEXT.test(message)) return 'capacity';
      return 'transient';
  }
}

const NO_CREDENTIALS_TEXT = /Could not load the default credentials|Could not refresh access token|invalid_grant|Unable to detect a Project Id/i;

const ADVICE: Record<ProviderErrorKind, string> = {
  capacity: 'the zone has no capacity for this accelerator; another zone or group will be tried',
  quota: 'raise the quota in the Cloud console (IAM & Admin → Quotas) or lower max_slices',
  rate_limited: 'too many requests; the call will be retried later',
  invalid_request: "check the group's accelerator_variant, runtime_version and network settings",
  auth: "check the credentials (gcloud auth application-default login, or the VM's service account) and their TPU/Compute roles",
  not_found: 'the resource does not exist',
  transient: 'a temporary failure; the call will be retried with backoff',
};

/** Wraps a Google API error into a ProviderError whose kind drives the autoscaler. */
export function toProviderError(err: unknown, context: ErrorContext): ProviderError {
  if (err instanceof EndpointUnreachableError) {
    // Not worth retrying: the address is wrong or the network does not lead there.
    return new ProviderError(
      'invalid_request',
      `gcp: ${context.action} failed: ${err.message}; check provider.api_endpoint (${err.endpoint}), DNS and the network from this machine`,
      { cause: err, provider: 'gcp', ...(context.zone !== undefined ? { zone: context.zone } : {}) },
    );
  }
  const e = asError(err);
  const kind = gcpErrorKind(err);
  const message = typeof e.message === 'string' ? e.message.split('\n')[0] : String(err);
  const retryAfterMs = kind === 'rate_limited' ? retryDelayMs(detailsOf(e)) : undefined;
  const byHand = context.byHand !== undefined ? `; to do it by hand: ${context.byHand}` : '';
  return new ProviderError(kind, `gcp: ${context.action} failed: ${message} (${ADVICE[kind]})${byHand}`, {
    cause: err,
    provider: 'gcp',
    ...(context.zone !== undefined ? { zone: context.zone } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** A create that lost a race to an earlier create of the same name. REST 409 arrives as ABORTED. */
export function isAlreadyExists(err: unknown): boolean {
  const code = Number(asError(err).code);
  return code === GRPC.ALREADY_EXISTS || code === GRPC.ABORTED;
}

export function isNotFound(err: unknown): boolean {
  return Number(asError(err).code) === GRPC.NOT_FOUND;
}
