import { providerErrorKind, type Clock, type Logger } from '@iris/core';
import { SshConnection, type ExecOptions, type ExecResult, type SshTarget } from './ssh-connection.js';

export interface SshPoolOptions {
  connectTimeoutMs: number;
  agentSocket?: string;
  logger: Logger;
  clock: Clock;
  /** Further attempts after a transient failure (a dropped or refused connection). */
  retries: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
}

function keyOf(t: SshTarget): string {
  return `${t.user}@${t.host}:${t.port}`;
}

/**
 * One connection per host, reused by every command to it (a bootstrap runs several), reopened when
 * it drops. Transient failures are retried with exponential backoff on the injected clock; refused
 * credentials and host keys are not, since retrying cannot fix them.
 */
export class SshPool {
  private readonly open = new Map<string, Promise<SshConnection>>();

  constructor(private readonly options: SshPoolOptions) {}

  connection(target: SshTarget): Promise<SshConnection> {
    const key = keyOf(target);
    const existing = this.open.get(key);
    if (existing) return existing;
    const opening = SshConnection.open(target, {
      connectTimeoutMs: this.options.connectTimeoutMs,
      logger: this.options.logger,
      ...(this.options.agentSocket ? { agentSocket: this.options.agentSocket } : {}),
    });
    this.open.set(key, opening);
    // A failed dial is forgotten so the next call dials again; a closed connection is replaced by
    // withConnection when it finds it closed.
    opening.catch(() => {
      if (this.open.get(key) === opening) this.open.delete(key);
    });
    return opening;
  }

  /** Closes and forgets the host's connection. */
  async drop(target: SshTarget): Promise<void> {
    const key = keyOf(target);
    const opening = this.open.get(key);
    this.open.delete(key);
    if (opening) (await opening.catch(() => undefined))?.close();
  }

  /**
   * Runs `fn` on the host's connection, retrying transient failures on a fresh connection
   * (`retries` overrides the pool's count: 0 where a deadline matters more than persistence).
   */
  async withConnection<T>(target: SshTarget, fn: (conn: SshConnection) => Promise<T>, retries = this.options.retries): Promise<T> {
    let delay = this.options.backoffInitialMs;
    for (let attempt = 0; ; attempt++) {
      try {
        let conn = await this.connection(target);
        if (conn.closed) {
          await this.drop(target);
          conn = await this.connection(target);
        }
        return await fn(conn);
      } catch (err) {
        await this.drop(target);
        if (providerErrorKind(err) !== 'transient' || attempt >= retries) throw err;
        this.options.logger.debug(`[${target.host}] ssh failed, retrying in ${delay} ms`, { error: (err as Error).message });
        await this.options.clock.sleep(delay);
        delay = Math.min(delay * 2, this.options.backoffMaxMs);
      }
    }
  }

  /** Runs a bash script sent on stdin (never on the command line, where `ps` would show it). */
  runScript(target: SshTarget, script: string, options: Omit<ExecOptions, 'stdin'> & { retries?: number } = {}): Promise<ExecResult> {
    const { retries, ...exec } = options;
    return this.withConnection(target, (conn) => conn.exec('bash -s', { ...exec, stdin: script }), retries);
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close()));
  }
}
