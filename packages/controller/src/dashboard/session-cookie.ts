import type { IncomingHttpHeaders } from 'node:http';
import type { SessionInfo, SessionStore } from './sessions.js';

/** The dashboard's cookie: a session secret, never the cluster token. */
export const SESSION_COOKIE = 'iris_session';

/** The value of one cookie from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The live dashboard session a request's cookie carries, if any. */
export function sessionOf(headers: IncomingHttpHeaders, sessions: SessionStore): SessionInfo | undefined {
  const secret = readCookie(headers.cookie, SESSION_COOKIE);
  return secret ? sessions.verify(secret) : undefined;
}

/**
 * Set-Cookie for a new session: HttpOnly (no script reads it), SameSite=Strict (no other site's
 * page sends it, which also guards sign-out and every read against cross-site requests), and a
 * Max-Age equal to the session's life so the browser drops it when the server would refuse it.
 */
export function sessionCookie(secret: string, maxAgeMs: number): string {
  return `${SESSION_COOKIE}=${secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
}
