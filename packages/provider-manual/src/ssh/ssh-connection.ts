import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';
import { ProviderError, type Logger } from '@iris/core';
import type { HostKeyPolicy } from '../hosts.js';
import { expandHome, verifyHostKey, type HostKeyVerdict } from './host-key.js';
import { sshProviderError } from './ssh-errors.js';
import { LineSplitter } from './line-splitter.js';

/** One SSH endpoint and how to authenticate and verify it. */
export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** Private key file (`~` expanded). When absent or unreadable, the agent is used if there is one. */
  keyFile?: string;
  hostKey: HostKeyPolicy;
}

export interface SshConnectOptions {
  connectTimeoutMs: number;
  /** `SSH_AUTH_SOCK`, when an agent should be offered. */
  agentSocket?: string;
  logger: Logger;
  /**
   * Neither the socket nor a keepalive timer keeps the process alive: for a CLI's tunnel, which
   * must live exactly as long as the command's requests do.
   */
  unref?: boolean;
}

export interface ExecOptions {
  /**
   * Written to the command's stdin, then closed (scripts travel here, never on the command line).
   * A stream is piped (a program tarball streamed to `cat`).
   */
  stdin?: string | Readable;
  /** Each output line as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  timeoutMs?: number;
}

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

/** Output kept per stream: enough for markers and a failure's last lines, bounded for a chatty host. */
const MAX_OUTPUT_CHARS = 1 << 20;

function targetName(t: SshTarget): string {
  return `${t.user}@${t.host}:${t.port}`;
}

function loadKey(target: SshTarget, agent: string | undefined): Buffer | undefined {
  if (target.keyFile === undefined) return undefined;
  const path = expandHome(target.keyFile);
  try {
    return readFileSync(path);
  } catch (err) {
    if (agent) return undefined; // the agent may hold the key
    throw new ProviderError(
      'auth',
      `ssh ${targetName(target)}: cannot read the private key file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}) and no SSH agent is available; set ssh_key_file or SSH_AUTH_SOCK`,
      { provider: 'manual', cause: err },
    );
  }
}

function unrefSocket(target: SshTarget): Socket {
  const sock = connect({ host: target.host, port: target.port });
  sock.unref();
  return sock;
}

/** An open SSH connection to one host (ssh2). Reused for many commands; see SshPool. */
export class SshConnection {
  private closedFlag = false;

  private constructor(
    readonly target: SshTarget,
    private readonly client: Client,
    private readonly logger: Logger,
  ) {
    client.on('close', () => (this.closedFlag = true));
    client.on('end', () => (this.closedFlag = true));
    // Errors after the handshake surface through the pending operation; keep the emitter quiet.
    client.on('error', () => (this.closedFlag = true));
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Connects, authenticates and verifies the host key under the target's policy. */
  static open(target: SshTarget, options: SshConnectOptions): Promise<SshConnection> {
    const privateKey = loadKey(target, options.agentSocket);
    if (privateKey === undefined && !options.agentSocket) {
      return Promise.reject(
        new ProviderError('auth', `ssh ${targetName(target)}: no ssh_key_file configured and no SSH agent (SSH_AUTH_SOCK)`, {
          provider: 'manual',
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const client = new Client();
      let refused: HostKeyVerdict | undefined;
      const config: ConnectConfig = {
        host: target.host,
        port: target.port,
        username: target.user,
        readyTimeout: options.connectTimeoutMs,
        keepaliveInterval: options.unref ? 0 : 15_000,
        keepaliveCountMax: 4,
        ...(options.unref ? { sock: unrefSocket(target) } : {}),
        hostVerifier: (key: Buffer): boolean => {
          const verdict = verifyHostKey(target.hostKey, target, key);
          if (!verdict.ok) refused = verdict;
          return verdict.ok;
        },
        ...(privateKey ? { privateKey } : {}),
        ...(options.agentSocket ? { agent: options.agentSocket } : {}),
      };
      // An unref'd socket does not keep the process alive, so while the handshake runs nothing
      // would: a CLI awaiting its tunnel would exit (code 13, unsettled await) mid-handshake. Hold
      // the process until the connection is ready or has failed.
      const hold = options.unref ? setInterval(() => undefined, 1 << 30) : undefined;
      const onError = (err: Error): void => {
        clearInterval(hold);
        client.removeListener('ready', onReady);
        // ssh2 may emit a second error (the socket's reset after a refused handshake); with no
        // listener left that would crash the whole process (the controller), so keep one.
        client.on('error', () => undefined);
        client.end();
        if (refused && !refused.ok) {
          reject(new ProviderError('auth', `ssh ${targetName(target)}: ${refused.message}`, { provider: 'manual', cause: err }));
        } else {
          reject(sshProviderError(err, target, 'ssh'));
        }
      };
      const onReady = (): void => {
        clearInterval(hold);
        client.removeListener('error', onError);
        resolve(new SshConnection(target, client, options.logger));
      };
      client.once('ready', onReady);
      client.once('error', onError);
      client.connect(config);
    });
  }

  /** Runs a command, streaming its lines to `onLine` and the logger as `[host] line`. */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      // The deadline runs from the request, not from the channel's opening: a hung host never
      // answers the open, and would otherwise hold the caller until keepalives give up.
      let channelOpen: { close(): void } | undefined;
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              if (channelOpen) channelOpen.close();
              else this.close(); // unusable: the pool dials afresh next time
              reject(
                new ProviderError('transient', `exec on ${targetName(this.target)}: no result within ${options.timeoutMs} ms`, {
                  provider: 'manual',
                }),
              );
            }, options.timeoutMs);
      this.client.exec(command, (err, channel) => {
        if (err) {
          if (timer) clearTimeout(timer);
          reject(sshProviderError(err, this.target, 'exec on'));
          return;
        }
        channelOpen = channel;
        let stdout = '';
        let stderr = '';
        const emit = (stream: 'stdout' | 'stderr') => (line: string) => {
          this.logger.debug(`[${this.target.host}] ${line}`);
          options.onLine?.(line, stream);
        };
        // A channel is a stream: an 'error' (writing the script to a host that went away) with no
        // listener would crash the process; the 'close' that follows settles the promise instead.
        channel.on('error', () => undefined);
        channel.stderr.on('error', () => undefined);
        const out = new LineSplitter(emit('stdout'));
        const errLines = new LineSplitter(emit('stderr'));
        channel.on('data', (chunk: Buffer) => {
          const text = chunk.toString('utf8');
          if (stdout.length < MAX_OUTPUT_CHARS) stdout += text;
          out.push(text);
        });
        channel.stderr.on('data', (chunk: Buffer) => {
          const text = chunk.toString('utf8');
          if (stderr.length < MAX_OUTPUT_CHARS) stderr += text;
          errLines.push(text);
        });
        let code: number | null = null;
        let signal: string | undefined;
        channel.on('exit', (c: number | null, s?: string) => {
          code = c;
          signal = s;
        });
        channel.on('close', () => {
          if (timer) clearTimeout(timer);
          out.flush();
          errLines.flush();
          if (code === null && signal === undefined && this.closedFlag) {
            reject(new ProviderError('transient', `exec on ${targetName(this.target)}: the connection dropped`, { provider: 'manual' }));
            return;
          }
          resolve({ code, ...(signal ? { signal } : {}), stdout, stderr });
        });
        const stdin = options.stdin;
        if (stdin === undefined) channel.end();
        else if (typeof stdin === 'string') channel.end(stdin);
        else {
          // A local read error must not leave the remote command waiting for more input.
          stdin.once('error', () => channel.close());
          stdin.pipe(channel);
        }
      });
    });
  }

  /** Copies a local file to the host over SFTP. */
  upload(localPath: string, remotePath: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.sftp((err, sftp) => {
        if (err) {
          reject(sshProviderError(err, this.target, 'sftp to'));
          return;
        }
        // A connection dropped mid-transfer surfaces through fastPut's callback; an 'error' event
        // without a listener would instead crash the process.
        sftp.on('error', () => undefined);
        sftp.fastPut(localPath, remotePath, (putErr) => {
          sftp.end();
          if (putErr) reject(sshProviderError(putErr, this.target, `upload of ${remotePath} to`));
          else resolve();
        });
      });
    });
  }

  /** A TCP stream from the host to `dstHost:dstPort` (the host dials it). */
  forwardOut(dstHost: string, dstPort: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, dstHost, dstPort, (err, stream) => {
        if (err) reject(sshProviderError(err, this.target, `forward to ${dstHost}:${dstPort} through`));
        else resolve(stream);
      });
    });
  }

  close(): void {
    this.closedFlag = true;
    this.client.end();
  }
}
