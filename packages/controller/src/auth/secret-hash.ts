import { createHash, randomBytes } from 'node:crypto';

/** Join tokens and worker credentials are kept only as this digest: a copy of the database leaks no usable secret. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A fresh secret with a readable prefix (`ij_` join token, `iw_` worker credential) and 256 random bits. */
export function newSecret(prefix: 'ij' | 'iw'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}
