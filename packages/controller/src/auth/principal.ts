import type { CredentialStore } from './credential-store.js';

/** A worker, or a VM with its slice's join token, as the bearer credential says. */
export type WorkerPrincipal = { readonly kind: 'worker'; readonly workerId: string } | { readonly kind: 'join'; readonly joinToken: string };

/**
 * The worker or join-token principal behind a bearer credential that is not the master token;
 * undefined when it is neither (unknown, or revoked). `acceptJoin` is true only for routes that take
 * a join token (registration). A join token is recognised even when spent or expired: registration
 * then refuses it with the reason.
 */
export function workerPrincipal(bearer: string | undefined, credentials: CredentialStore, acceptJoin: boolean): WorkerPrincipal | undefined {
  if (!bearer) return undefined;
  if (bearer.startsWith('iw_')) {
    const worker = credentials.authenticateWorker(bearer);
    return worker ? { kind: 'worker', workerId: worker.workerId } : undefined;
  }
  if (acceptJoin && bearer.startsWith('ij_') && credentials.isJoinToken(bearer)) return { kind: 'join', joinToken: bearer };
  return undefined;
}

/** `Authorization: Bearer <credential>`, when present. */
export function bearerOf(headers: { authorization?: string | undefined }): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
}
