import type { ServerResponse } from 'node:http';
import { IrisError } from '@iris/core';
import { API_ERROR_CODES, type ApiErrorBody } from '@iris/core/api';

/** HTTP status for each API error code. */
const STATUS: Record<string, number> = {
  [API_ERROR_CODES.invalidRequest]: 400,
  [API_ERROR_CODES.unauthorized]: 401,
  [API_ERROR_CODES.forbidden]: 403,
  [API_ERROR_CODES.notFound]: 404,
  [API_ERROR_CODES.conflict]: 409,
  [API_ERROR_CODES.tooLarge]: 413,
  [API_ERROR_CODES.unavailable]: 503,
};

export function apiError(code: keyof typeof API_ERROR_CODES, message: string): IrisError {
  return new IrisError(API_ERROR_CODES[code], message);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** Turns any thrown value into `{code, message}`; unknown errors become 500 without internals. */
export function sendError(res: ServerResponse, err: unknown): void {
  const code = (err as { code?: unknown })?.code;
  if (err instanceof IrisError && typeof code === 'string' && STATUS[code] !== undefined) {
    sendJson(res, STATUS[code]!, { code, message: err.message } satisfies ApiErrorBody);
    return;
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, 500, { code: API_ERROR_CODES.internal, message: 'internal error; see the controller log' } satisfies ApiErrorBody);
}

/** `limit` and `cursor` query parameters, validated. */
export function pageParams(query: URLSearchParams, maxLimit = 1000, defaultLimit = 100): { limit: number; cursor: string | undefined } {
  const rawLimit = query.get('limit');
  let limit = defaultLimit;
  if (rawLimit !== null) {
    if (!/^[0-9]{1,7}$/.test(rawLimit) || Number(rawLimit) < 1) throw apiError('invalidRequest', `limit must be an integer from 1 to ${maxLimit}`);
    limit = Math.min(maxLimit, Number(rawLimit));
  }
  return { limit, cursor: query.get('cursor') ?? undefined };
}

export function intParam(query: URLSearchParams, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^[0-9]{1,16}$/.test(raw) || Number(raw) > max) throw apiError('invalidRequest', `${name} must be an integer from 0 to ${max}`);
  return Number(raw);
}
