import type { Clock } from '@iris/core';
import type { SqliteDatabase } from '../store/database.js';
import { hashSecret, newSecret } from './secret-hash.js';

/**
 * The tables are created here (not in a numbered migration) so that the credential store is one
 * self-contained module; `IF NOT EXISTS` makes it idempotent on every start.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS auth_join_tokens (
  hash TEXT PRIMARY KEY,
  request_id TEXT NOT NULL,
  grp TEXT NOT NULL,
  uses INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_join_claims (
  token_hash TEXT NOT NULL,
  worker_id TEXT NOT NULL,
  claimed_at INTEGER NOT NULL,
  PRIMARY KEY (token_hash, worker_id)
);
CREATE TABLE IF NOT EXISTS auth_worker_credentials (
  hash TEXT PRIMARY KEY,
  worker_id TEXT NOT NULL,
  request_id TEXT,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX IF NOT EXISTS auth_worker_credentials_worker ON auth_worker_credentials (worker_id);
CREATE INDEX IF NOT EXISTS auth_worker_credentials_request ON auth_worker_credentials (request_id);
`;

/** Why a join token was refused; the message goes back to the worker, which prints it and exits 3. */
export class JoinRefusedError extends Error {
  readonly code = 'IRIS_JOIN_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'JoinRefusedError';
  }
}

export interface MintedJoinToken {
  token: string;
  expiresAtMs: number;
}

export interface WorkerCredential {
  workerId: string;
  requestId?: string;
}

/** Every this many mints, tokens expired longer than PRUNE_AFTER_MS ago are dropped. */
const PRUNE_EVERY_MINTS = 256;
const PRUNE_AFTER_MS = 24 * 60 * 60_000;

interface JoinRow {
  hash: string;
  request_id: string;
  grp: string;
  uses: number;
  expires_at: number;
}

/**
 * Join tokens and per-worker credentials, stored as sha256 digests in the controller database (so
 * both survive a controller restart: a booting VM can still join, a running worker stays in).
 *
 * A join token is minted per slice create with one use per VM of the slice; a VM trades it once at
 * registration for a credential of its own. The same VM trading it again before it expires (its
 * first answer was lost, or the worker restarted) gets a new credential and the old one is revoked.
 */
export class CredentialStore {
  private mints = 0;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly clock: Clock,
  ) {
    db.exec(SCHEMA);
  }

  mintJoinToken(options: { requestId: string; group: string; uses: number; ttlMs: number }): MintedJoinToken {
    // The tables never grow without bound on a long-lived controller.
    if (++this.mints % PRUNE_EVERY_MINTS === 0) this.pruneExpired(PRUNE_AFTER_MS);
    const token = newSecret('ij');
    const now = this.clock.now();
    const expiresAtMs = now + options.ttlMs;
    this.db
      .prepare('INSERT INTO auth_join_tokens (hash, request_id, grp, uses, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(hashSecret(token), options.requestId, options.group, options.uses, expiresAtMs, now);
    return { token, expiresAtMs };
  }

  /** True when `secret` is a join token this controller minted (used, expired or not). */
  isJoinToken(secret: string): boolean {
    return this.joinRow(secret) !== undefined;
  }

  /**
   * Trades a join token for a worker credential bound to `workerId`.
   * @throws JoinRefusedError when the token is unknown, expired or used by every VM of its slice.
   */
  claim(joinToken: string, workerId: string): string {
    const now = this.clock.now();
    return this.db.transaction(() => {
      const row = this.joinRow(joinToken);
      if (!row) {
        throw new JoinRefusedError(
          'join token refused: this controller never issued it (was it minted by another controller, or is the VM from an older cluster?)',
        );
      }
      if (now >= row.expires_at) {
        throw new JoinRefusedError(
          `join token refused: it expired ${new Date(row.expires_at).toISOString()} (group "${row.grp}"); the autoscaler replaces a slice whose workers never joined`,
        );
      }
      const claimants = this.db.prepare('SELECT worker_id FROM auth_join_claims WHERE token_hash = ?').all(row.hash) as { worker_id: string }[];
      const again = claimants.some((c) => c.worker_id === workerId);
      if (!again && claimants.length >= row.uses) {
        throw new JoinRefusedError(
          `join token refused: already used by ${claimants.length} worker(s), as many as the slice has VMs (group "${row.grp}"); each VM joins once, under its own VM id`,
        );
      }
      if (again) this.revokeWhere('worker_id = ? AND request_id = ?', workerId, row.request_id);
      else this.db.prepare('INSERT INTO auth_join_claims (token_hash, worker_id, claimed_at) VALUES (?, ?, ?)').run(row.hash, workerId, now);
      return this.issue(workerId, row.request_id);
    })();
  }

  /** The worker a credential belongs to; undefined when unknown or revoked. */
  authenticateWorker(secret: string): WorkerCredential | undefined {
    const row = this.db.prepare('SELECT worker_id, request_id FROM auth_worker_credentials WHERE hash = ? AND revoked_at IS NULL').get(hashSecret(secret)) as
      { worker_id: string; request_id: string | null } | undefined;
    if (!row) return undefined;
    return { workerId: row.worker_id, ...(row.request_id === null ? {} : { requestId: row.request_id }) };
  }

  /** Revokes every credential of a worker; returns how many were live. */
  revokeWorker(workerId: string): number {
    return this.revokeWhere('worker_id = ?', workerId);
  }

  /** Revokes the credentials of the workers of one slice (by its create request id), and its join token. */
  revokeSlice(requestId: string): number {
    this.db.prepare('UPDATE auth_join_tokens SET expires_at = MIN(expires_at, ?) WHERE request_id = ?').run(this.clock.now(), requestId);
    return this.revokeWhere('request_id = ?', requestId);
  }

  /** Request ids whose workers hold live credentials. */
  liveRequestIds(): string[] {
    return (
      this.db.prepare('SELECT DISTINCT request_id FROM auth_worker_credentials WHERE revoked_at IS NULL AND request_id IS NOT NULL').all() as {
        request_id: string;
      }[]
    ).map((r) => r.request_id);
  }

  /** Drops join tokens that expired more than `keepMs` ago (the table never grows without bound). */
  pruneExpired(keepMs: number): void {
    const before = this.clock.now() - keepMs;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM auth_join_claims WHERE token_hash IN (SELECT hash FROM auth_join_tokens WHERE expires_at < ?)').run(before);
      this.db.prepare('DELETE FROM auth_join_tokens WHERE expires_at < ?').run(before);
      this.db.prepare('DELETE FROM auth_worker_credentials WHERE revoked_at IS NOT NULL AND revoked_at < ?').run(before);
    })();
  }

  private issue(workerId: string, requestId: string | null): string {
    const credential = newSecret('iw');
    this.db
      .prepare('INSERT INTO auth_worker_credentials (hash, worker_id, request_id, created_at) VALUES (?, ?, ?, ?)')
      .run(hashSecret(credential), workerId, requestId, this.clock.now());
    return credential;
  }

  private revokeWhere(where: string, ...params: string[]): number {
    return this.db.prepare(`UPDATE auth_worker_credentials SET revoked_at = ? WHERE revoked_at IS NULL AND ${where}`).run(this.clock.now(), ...params).changes;
  }

  private joinRow(secret: string): JoinRow | undefined {
    return this.db.prepare('SELECT hash, request_id, grp, uses, expires_at FROM auth_join_tokens WHERE hash = ?').get(hashSecret(secret)) as
      JoinRow | undefined;
  }
}
