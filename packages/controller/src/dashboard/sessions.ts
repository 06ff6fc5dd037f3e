import { createHash, randomBytes } from 'node:crypto';
import { IrisError, type Clock } from '@iris/core';
import { API_ERROR_CODES } from '@iris/core/api';
import type Database from 'better-sqlite3';

/** What `iris dashboard sessions` lists: never the secret, which only the browser's cookie holds. */
export interface SessionInfo {
  /** Public id, shown and used to revoke (`iris dashboard sessions --revoke ID`). */
  id: string;
  created_at_ms: number;
  expires_at_ms: number;
  last_used_ms: number;
  /** The browser that signed in, as it named itself (trimmed); informational only. */
  user_agent?: string;
}

export interface NewSession {
  /** The cookie value. Returned once; only its SHA-256 is stored. */
  secret: string;
  info: SessionInfo;
}

interface Row {
  id: string;
  created_at: number;
  expires_at: number;
  last_used_at: number;
  user_agent: string | null;
}

/** `last_used_ms` is written at most this often, so a polling dashboard does not write on every request. */
const TOUCH_EVERY_MS = 60_000;
const MAX_USER_AGENT = 200;

/**
 * Dashboard sign-in sessions in the controller's database. A one-time link creates one; the cookie
 * carries a random 256-bit secret whose SHA-256 is the stored key (a fast hash suffices for a
 * random secret, and a leaked database holds nothing a browser could present). Sessions expire
 * and can be revoked one by one, so cutting off a browser never means rotating the cluster token.
 */
export class SessionStore {
  private readonly insert: Database.Statement;
  private readonly byHash: Database.Statement;
  private readonly touch: Database.Statement;
  private readonly all: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly removeHash: Database.Statement;
  private readonly prune: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {
    // The dashboard's own table, created here rather than in the state migrations: nothing else
    // reads it, and dropping it only signs everyone out.
    db.exec(`CREATE TABLE IF NOT EXISTS dashboard_sessions (
      id TEXT PRIMARY KEY,
      secret_hash TEXT NOT NULL UNIQUE,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      last_used_at INTEGER NOT NULL,
      user_agent TEXT
    )`);
    this.insert = db.prepare('INSERT INTO dashboard_sessions (id, secret_hash, created_at, expires_at, last_used_at, user_agent) VALUES (?, ?, ?, ?, ?, ?)');
    this.byHash = db.prepare('SELECT id, created_at, expires_at, last_used_at, user_agent FROM dashboard_sessions WHERE secret_hash = ?');
    this.touch = db.prepare('UPDATE dashboard_sessions SET last_used_at = ? WHERE id = ?');
    this.all = db.prepare('SELECT id, created_at, expires_at, last_used_at, user_agent FROM dashboard_sessions ORDER BY created_at, id');
    this.remove = db.prepare('DELETE FROM dashboard_sessions WHERE id = ?');
    this.removeHash = db.prepare('DELETE FROM dashboard_sessions WHERE secret_hash = ?');
    this.prune = db.prepare('DELETE FROM dashboard_sessions WHERE expires_at <= ?');
  }

  create(userAgent?: string): NewSession {
    const now = this.clock.now();
    this.prune.run(now);
    const secret = randomBytes(32).toString('base64url');
    const id = randomBytes(6).toString('hex');
    const ua = userAgent?.slice(0, MAX_USER_AGENT);
    this.insert.run(id, hash(secret), now, now + this.ttlMs, now, ua ?? null);
    return { secret, info: info({ id, created_at: now, expires_at: now + this.ttlMs, last_used_at: now, user_agent: ua ?? null }) };
  }

  /** The live session a cookie's secret belongs to, or undefined (unknown, revoked or expired). */
  verify(secret: string): SessionInfo | undefined {
    if (secret === '') return undefined;
    const row = this.byHash.get(hash(secret)) as Row | undefined;
    const now = this.clock.now();
    if (!row || row.expires_at <= now) return undefined;
    if (now - row.last_used_at >= TOUCH_EVERY_MS) {
      this.touch.run(now, row.id);
      row.last_used_at = now;
    }
    return info(row);
  }

  list(): SessionInfo[] {
    this.prune.run(this.clock.now());
    return (this.all.all() as Row[]).map(info);
  }

  /**
   * Revokes the session with this id, or the one session whose id starts with it (as `git` takes a
   * short hash). Answers the revoked session, undefined when none matches, or throws on ambiguity.
   */
  revoke(idOrPrefix: string): SessionInfo | undefined {
    const sessions = this.list();
    const exact = sessions.find((s) => s.id === idOrPrefix);
    const matches = exact ? [exact] : idOrPrefix === '' ? [] : sessions.filter((s) => s.id.startsWith(idOrPrefix));
    if (matches.length > 1) {
      throw new IrisError(
        API_ERROR_CODES.conflict,
        `${matches.length} sessions have ids starting with "${idOrPrefix}": give more of the id (iris dashboard sessions lists them)`,
      );
    }
    const match = matches[0];
    if (match) this.remove.run(match.id);
    return match;
  }

  /** Sign-out: ends the session this secret belongs to. */
  end(secret: string): void {
    this.removeHash.run(hash(secret));
  }
}

function hash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function info(row: Row): SessionInfo {
  const out: SessionInfo = { id: row.id, created_at_ms: row.created_at, expires_at_ms: row.expires_at, last_used_ms: row.last_used_at };
  if (row.user_agent !== null) out.user_agent = row.user_agent;
  return out;
}
