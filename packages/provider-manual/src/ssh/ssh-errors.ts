import { ProviderError } from '@iris/core';

/** Where a failure of an SSH step happened, for messages: `ray@10.0.0.1:22`. */
export interface SshWhere {
  user: string;
  host: string;
  port: number;
}

function describe(where: SshWhere): string {
  return `${where.user}@${where.host}:${where.port}`;
}

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Maps an ssh2 failure to a ProviderError kind the autoscaler understands: refused credentials are
 * `auth` (retrying will not help), an unreachable or dropped host is `transient`.
 */
export function sshProviderError(err: unknown, where: SshWhere, step: string): ProviderError {
  const e = err as { level?: string; code?: string; message?: string };
  const target = describe(where);
  if (e?.level === 'client-authentication') {
    return new ProviderError(
      'auth',
      `${step} ${target}: the server refused our key (and agent keys, if any). Check ssh_user and ssh_key_file, and that the public key is in the user's authorized_keys`,
      { provider: 'manual', cause: err },
    );
  }
  if (e?.level === 'agent') {
    return new ProviderError('auth', `${step} ${target}: the SSH agent failed (${e.message ?? 'unknown error'})`, {
      provider: 'manual',
      cause: err,
    });
  }
  if (e?.level === 'client-timeout') {
    return new ProviderError('transient', `${step} ${target}: timed out waiting for the SSH handshake`, { provider: 'manual', cause: err });
  }
  if (typeof e?.code === 'string' && TRANSIENT_CODES.has(e.code)) {
    return new ProviderError('transient', `${step} ${target}: ${e.code} (${e.message ?? ''})`, { provider: 'manual', cause: err });
  }
  return new ProviderError('transient', `${step} ${target}: ${e?.message ?? String(err)}`, { provider: 'manual', cause: err });
}
