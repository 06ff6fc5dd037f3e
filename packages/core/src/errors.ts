/**
 * Errors carry a stable `code` so callers (and copies of this package loaded twice) recognise them
 * without `instanceof`. `cause` is kept so the original failure is never lost.
 */
export class IrisError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IrisError';
    this.code = code;
  }
}

/** True when `err` is an error-like value carrying the given stable code. */
export function hasErrorCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/**
 * The kinds of provider failure the autoscaler reacts to. Never branch on message text.
 * - capacity: the zone/provider is out of the resource (stockout); try another zone or group.
 * - quota: the account's quota is exhausted; skip the group for a while.
 * - rate_limited: slow down; `retryAfterMs` says for how long when the provider tells us.
 * - invalid_request: the request can never succeed as written (bad config); do not retry blindly.
 * - auth: credentials missing or refused.
 * - not_found: the resource does not exist (terminate treats this as success).
 * - transient: anything worth retrying with backoff.
 */
export const PROVIDER_ERROR_KINDS = ['capacity', 'quota', 'rate_limited', 'invalid_request', 'auth', 'not_found', 'transient'] as const;
export type ProviderErrorKind = (typeof PROVIDER_ERROR_KINDS)[number];

export const PROVIDER_ERROR_CODE = 'IRIS_PROVIDER_ERROR';

export interface ProviderErrorOptions {
  cause?: unknown;
  retryAfterMs?: number;
  /** The provider type (`gcp`, `manual`, …) that raised it. */
  provider?: string;
  /** The zone the failing call was scoped to, when there is one. */
  zone?: string;
}

export class ProviderError extends IrisError {
  readonly kind: ProviderErrorKind;
  readonly retryAfterMs: number | undefined;
  readonly provider: string | undefined;
  readonly zone: string | undefined;

  constructor(kind: ProviderErrorKind, message: string, options: ProviderErrorOptions = {}) {
    super(PROVIDER_ERROR_CODE, message, options);
    this.name = 'ProviderError';
    this.kind = kind;
    this.retryAfterMs = options.retryAfterMs;
    this.provider = options.provider;
    this.zone = options.zone;
  }
}

/** Recognises a ProviderError from any copy of @iris/core by its code and kind. */
export function isProviderError(err: unknown): err is ProviderError {
  if (!hasErrorCode(err, PROVIDER_ERROR_CODE)) return false;
  const kind = (err as { kind?: unknown }).kind;
  return typeof kind === 'string' && (PROVIDER_ERROR_KINDS as readonly string[]).includes(kind);
}

/** The kind of a provider failure; anything unrecognised is treated as transient. */
export function providerErrorKind(err: unknown): ProviderErrorKind {
  return isProviderError(err) ? err.kind : 'transient';
}
