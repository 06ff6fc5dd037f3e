/** How long an endpoint that never answered may refuse connections before Iris stops retrying. */
export const UNREACHABLE_GRACE_MS = 30_000;

/** Connection-level failures: nothing answered at that address (refused, no such host, no route). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The connection failure behind a client error (`ECONNREFUSED`, `ENOTFOUND`, …), whether the
 * client's fetch put the code on the error, on its cause, or only in the message; undefined for an
 * error the endpoint answered with.
 */
export function connectionFailure(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return code;
    const message = (e as { message?: unknown }).message;
    const m = typeof message === 'string' ? /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/.exec(message) : null;
    if (m) return m[1];
  }
  return undefined;
}

/** The endpoint never answered: a wrong `api_endpoint`, DNS or network, not a passing failure. */
export class EndpointUnreachableError extends Error {
  constructor(
    readonly endpoint: string,
    readonly reason: string,
    readonly failingForMs: number,
    options: { cause: unknown },
  ) {
    super(`nothing answers at ${endpoint} (${reason}) since the first call ${Math.round(failingForMs / 1000)}s ago`, options);
    this.name = 'EndpointUnreachableError';
  }
}

/**
 * Whether an API endpoint ever answered. Until it has, connection failures are retried as
 * transient for `graceMs` (a proxy or emulator that is still starting), then reported as an
 * `EndpointUnreachableError`, so a controller starting against a wrong `api_endpoint` fails in
 * about half a minute instead of retrying for many. Once it answered, a refused connection is a
 * passing failure and stays transient.
 */
export class EndpointReachability {
  private answered = false;
  private firstFailureMs: number | undefined;

  constructor(
    readonly endpoint: string,
    private readonly now: () => number,
    private readonly graceMs = UNREACHABLE_GRACE_MS,
  ) {}

  succeeded(): void {
    this.answered = true;
    this.firstFailureMs = undefined;
  }

  /** The error a failed call should throw: `err` itself, or the endpoint's unreachability. */
  failed(err: unknown): unknown {
    const reason = connectionFailure(err);
    if (reason === undefined) {
      // An error with a status (403, 404, 503…) came from the endpoint: it answers.
      if (typeof (err as { code?: unknown } | null)?.code === 'number') this.succeeded();
      return err;
    }
    if (this.answered) return err;
    const now = this.now();
    this.firstFailureMs ??= now;
    const failingForMs = now - this.firstFailureMs;
    return failingForMs >= this.graceMs ? new EndpointUnreachableError(this.endpoint, reason, failingForMs, { cause: err }) : err;
  }
}
