import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock, isProviderError, type Logger } from '@iris/core';
import { SshConnection, type SshTarget } from '../src/ssh/ssh-connection.js';
import { SshPool } from '../src/ssh/ssh-pool.js';
import { sha256Fingerprint } from '../src/ssh/host-key.js';
import { SshdHarness } from './sshd-harness.js';

const sshd = new SshdHarness();
// Wide: a handshake on a loaded CI machine can take seconds.
const CONNECT_TIMEOUT_MS = 60_000;
const H2 = '127.0.0.2';
const H3 = '127.0.0.3';

function fingerprintOf(pubLine: string): string {
  return sha256Fingerprint(Buffer.from(pubLine.split(' ')[1]!, 'base64'));
}

function recordingLogger(lines: string[]): Logger {
  const push = (m: string, f?: Record<string, unknown>): void => void lines.push(`${m} ${f ? JSON.stringify(f) : ''}`);
  return { debug: push, info: push, warn: push, error: push };
}

beforeAll(async () => {
  await sshd.start([H2, H3]);
});

afterAll(async () => {
  await sshd.stop();
});

function target(address: string, overrides: Partial<SshTarget> = {}): SshTarget {
  return {
    host: address,
    port: sshd.host(address).port,
    user: 'root',
    keyFile: sshd.clientKey,
    hostKey: { kind: 'known_hosts', file: sshd.knownHosts },
    ...overrides,
  };
}

const connect = (t: SshTarget, logger: Logger = recordingLogger([])): Promise<SshConnection> =>
  SshConnection.open(t, { connectTimeoutMs: CONNECT_TIMEOUT_MS, logger });

async function failure(p: Promise<unknown>): Promise<Error & { kind?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { kind?: string };
  }
  throw new Error('expected a failure');
}

describe('SshConnection against a real sshd', () => {
  it('connects with a key file, verified against known_hosts, and runs a command', async () => {
    const conn = await connect(target(H2));
    const res = await conn.exec('echo hello; echo oops >&2; exit 3');
    expect(res).toMatchObject({ code: 3, stdout: 'hello\n', stderr: 'oops\n' });
    conn.close();
  });

  it('accepts a hashed known_hosts entry', async () => {
    const hashed = join(sshd.dir, 'known_hosts_hashed');
    writeFileSync(hashed, readFileSync(sshd.knownHosts));
    const { execFileSync } = await import('node:child_process');
    execFileSync('ssh-keygen', ['-q', '-H', '-f', hashed], { stdio: 'ignore' });
    expect(readFileSync(hashed, 'utf8')).toMatch(/^\|1\|/);
    const conn = await connect(target(H2, { hostKey: { kind: 'known_hosts', file: hashed } }));
    conn.close();
  });

  it('accepts a pinned fingerprint', async () => {
    const fp = fingerprintOf(sshd.host(H2).hostKeyPub);
    const conn = await connect(target(H2, { hostKey: { kind: 'fingerprint', fingerprint: fp } }));
    conn.close();
  });

  it('refuses a wrong pinned host key with both fingerprints and the host in the message', async () => {
    const expected = fingerprintOf(sshd.host(H3).hostKeyPub);
    const presented = fingerprintOf(sshd.host(H2).hostKeyPub);
    const err = await failure(connect(target(H2, { hostKey: { kind: 'fingerprint', fingerprint: expected } })));
    expect(isProviderError(err)).toBe(true);
    expect(err.kind).toBe('auth');
    expect(err.message).toContain(`expected ${expected}`);
    expect(err.message).toContain(`presented ${presented}`);
    expect(err.message).toContain(`${H2}:${sshd.host(H2).port}`);
  });

  it('refuses a host whose known_hosts key differs, and a host known_hosts lacks', async () => {
    const wrong = join(sshd.dir, 'known_hosts_wrong');
    writeFileSync(wrong, `[${H2}]:${sshd.host(H2).port} ${sshd.host(H3).hostKeyPub}\n`);
    const err = await failure(connect(target(H2, { hostKey: { kind: 'known_hosts', file: wrong } })));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain(`expected ${fingerprintOf(sshd.host(H3).hostKeyPub)}`);
    expect(err.message).toContain(`presented ${fingerprintOf(sshd.host(H2).hostKeyPub)}`);

    const empty = join(sshd.dir, 'known_hosts_empty');
    writeFileSync(empty, '');
    const unknown = await failure(connect(target(H2, { hostKey: { kind: 'known_hosts', file: empty } })));
    expect(unknown.kind).toBe('auth');
    expect(unknown.message).toMatch(/is not in .*ssh-keyscan/);
  });

  it('connects to any host key only with the explicit opt-out', async () => {
    const conn = await connect(target(H2, { hostKey: { kind: 'insecure' } }));
    conn.close();
  });

  it('maps a key the server refuses to an auth error, and never logs the key', async () => {
    const lines: string[] = [];
    const err = await failure(connect(target(H2, { keyFile: sshd.refusedKey }), recordingLogger(lines)));
    expect(err.kind).toBe('auth');
    expect(err.message).toMatch(/refused our key/);
    const keyBody = readFileSync(sshd.refusedKey, 'utf8').split('\n')[1]!;
    expect(err.message).not.toContain(keyBody);
    expect(lines.join('\n')).not.toContain(keyBody);
  });

  it('maps a refused connection to a transient error', async () => {
    const err = await failure(connect(target(H2, { port: 1 })));
    expect(err.kind).toBe('transient');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('streams output line by line, prefixed with the host in the log', async () => {
    const logs: string[] = [];
    const conn = await connect(target(H2), recordingLogger(logs));
    const seen: string[] = [];
    const res = await conn.exec('bash -s', {
      stdin: 'for i in 1 2 3; do echo line-$i; done; printf partial',
      onLine: (line) => seen.push(line),
    });
    expect(res.code).toBe(0);
    expect(seen).toEqual(['line-1', 'line-2', 'line-3', 'partial']);
    expect(logs.filter((l) => l.startsWith(`[${H2}] line-`))).toHaveLength(3);
    conn.close();
  });

  it('uploads a file over SFTP', async () => {
    const local = mkdtempSync(join(tmpdir(), 'iris-sftp-'));
    const remote = mkdtempSync(join(tmpdir(), 'iris-sftp-remote-'));
    try {
      const payload = Buffer.alloc(300_000, 7);
      writeFileSync(join(local, 'blob'), payload);
      const conn = await connect(target(H3));
      await conn.upload(join(local, 'blob'), join(remote, 'blob'));
      expect(readFileSync(join(remote, 'blob')).equals(payload)).toBe(true);
      conn.close();
    } finally {
      rmSync(local, { recursive: true, force: true });
      rmSync(remote, { recursive: true, force: true });
    }
  });

  it('forwards a TCP stream through the host', async () => {
    const server: Server = createServer((_req, res) => res.end('via ssh'));
    await new Promise<void>((r) => server.listen(0, H3, r));
    const port = (server.address() as { port: number }).port;
    const conn = await connect(target(H3));
    const stream = await conn.forwardOut(H3, port);
    const response = await new Promise<string>((resolve) => {
      let body = '';
      stream.on('data', (d: Buffer) => (body += d.toString()));
      stream.on('close', () => resolve(body));
      stream.end(`GET / HTTP/1.0\r\nHost: x\r\n\r\n`);
    });
    expect(response).toContain('via ssh');
    conn.close();
    server.close();
  });
});

describe('SshPool', () => {
  it('reuses one connection per host and reconnects after the host drops it', async () => {
    const pool = new SshPool({
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      logger: recordingLogger([]),
      clock: new SystemClock(),
      retries: 3,
      backoffInitialMs: 50,
      backoffMaxMs: 200,
    });
    const t = target(H3);
    const a = await pool.connection(t);
    expect(await pool.connection(t)).toBe(a);
    expect((await pool.runScript(t, 'echo one')).stdout).toBe('one\n');
    // The host's sshd goes away and comes back: the next command dials again.
    await sshd.stopHost(H3);
    await sshd.startHost(H3);
    expect((await pool.runScript(t, 'echo two')).stdout).toBe('two\n');
    expect(await pool.connection(t)).not.toBe(a);
    await pool.close();
  });

  it('does not retry refused credentials', async () => {
    const logs: string[] = [];
    const pool = new SshPool({
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      logger: recordingLogger(logs),
      clock: new SystemClock(),
      retries: 5,
      backoffInitialMs: 10,
      backoffMaxMs: 10,
    });
    const err = await failure(pool.runScript(target(H2, { keyFile: sshd.refusedKey }), 'true'));
    expect(err.kind).toBe('auth');
    expect(logs.filter((l) => l.includes('retrying'))).toEqual([]);
    await pool.close();
  });
});
