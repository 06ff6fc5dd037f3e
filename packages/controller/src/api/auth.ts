import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTokenText } from '@iris/core';

export const TOKEN_FILE = 'token';

/** Reads `state_dir/token`, creating it (mode 0600) at first start. */
export function loadOrCreateToken(stateDir: string): string {
  const file = join(stateDir, TOKEN_FILE);
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    if (text.trim().length > 0) {
      // A damaged token file is refused, not replaced: every worker and client holds its token.
      const token = parseTokenText(text, `the controller token file ${file}`);
      chmodSync(file, 0o600);
      return token;
    }
  }
  const token = randomBytes(32).toString('hex');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

/**
 * Accepts `Authorization: Bearer <token>` only; constant-time compare. The dashboard signs in with a
 * session cookie (dashboard/session-cookie.ts), never with the token.
 */
export function isAuthorized(headers: { authorization?: string | undefined }, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
