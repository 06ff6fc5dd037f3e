import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';
import { isProviderError, ProviderError, type Tunnel } from '@iris/core';

/** Where to SSH and how: the controller VM's reachable address and the host keys it published. */
export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  /** Private key file; the SSH agent (SSH_AUTH_SOCK) is offered as well when there is one. */
  keyFile?: string;
  /** The only host keys accepted (raw key blobs): pinned, never trusted on first use. */
  hostKeys: readonly Buffer[];
  /** What the keys are pinned to, for the refusal message. */
  pinnedFrom: string;
  connectTimeoutMs: number;
  /** A ready-made byte stream to the SSH server (an IAP tunnel); a TCP connection to host:port otherwise. */
  socket?: () => Duplex;
}

/** OpenSSH's fingerprint of a key blob. */
export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** One SSH connection to the controller VM. Nothing of it keeps the process alive. */
export class SshChannel {
  private constructor(
    private readonly endpoint: SshEndpoint,
    private readonly client: Client,
  ) {}

  static open(endpoint: SshEndpoint): Promise<SshChannel> {
    const where = `${endpoint.user}@${endpoint.host}:${endpoint.port}`;
    let privateKey: Buffer | undefined;
    if (endpoint.keyFile !== undefined) {
      try {
        privateKey = readFileSync(endpoint.keyFile);
      } catch (err) {
        if (!process.env.SSH_AUTH_SOCK) {
          return Promise.reject(
            new ProviderError('auth', `gcp: ssh ${where}: cannot read the key file ${endpoint.keyFile} and no SSH agent runs; set defaults.ssh.key_file`, {
              provider: 'gcp',
              cause: err,
            }),
          );
        }
      }
    }
    return new Promise((resolve, reject) => {
      const client = new Client();
      let presented: string | undefined;
      let sock: Duplex;
      if (endpoint.socket) sock = endpoint.socket();
      else {
        const tcp: Socket = connect({ host: endpoint.host, port: endpoint.port });
        tcp.unref();
        sock = tcp;
      }
      // While the handshake runs only the unref'd socket exists: hold the process until it settles.
      const hold = setInterval(() => undefined, 1 << 30);
      const config: ConnectConfig = {
        sock,
        username: endpoint.user,
        readyTimeout: endpoint.connectTimeoutMs,
        keepaliveInterval: 0,
        hostVerifier: (key: Buffer): boolean => {
          const ok = endpoint.hostKeys.some((k) => k.equals(key));
          if (!ok) presented = sha256Fingerprint(key);
          return ok;
        },
        ...(privateKey ? { privateKey } : {}),
        ...(process.env.SSH_AUTH_SOCK ? { agent: process.env.SSH_AUTH_SOCK } : {}),
      };
      client.once('ready', () => {
        clearInterval(hold);
        client.on('error', () => undefined);
        resolve(new SshChannel(endpoint, client));
      });
      client.once('error', (err) => {
        clearInterval(hold);
        client.on('error', () => undefined);
        client.end();
        if (presented !== undefined) {
          const expected = endpoint.hostKeys.map(sha256Fingerprint).join(' or ') || 'none published';
          reject(
            new ProviderError(
              'auth',
              `gcp: ssh ${where}: host key ${presented} is not the one ${endpoint.pinnedFrom} publishes (${expected}); refusing the connection, which may be intercepted`,
              { provider: 'gcp', cause: err },
            ),
          );
          return;
        }
        // The socket's own failure (an IAP tunnel without gcloud) already says what to do.
        if (isProviderError(err)) {
          reject(err);
          return;
        }
        const auth = /authentication/i.test(err.message);
        reject(
          new ProviderError(
            auth ? 'auth' : 'transient',
            auth
              ? `gcp: ssh ${where}: the VM refused the key (${err.message}); its metadata must list the public key of defaults.ssh.key_file for user ${endpoint.user}`
              : `gcp: ssh ${where}: ${err.message}`,
            { provider: 'gcp', cause: err },
          ),
        );
      });
      client.connect(config);
    });
  }

  /** Runs a command and returns its stdout; a non-zero exit is an error carrying stderr. */
  exec(command: string): Promise<string> {
    // The connection does not keep the process alive: the command's caller awaits it, so hold on.
    const hold = setInterval(() => undefined, 1 << 30);
    return new Promise<string>((resolve, reject) => {
      this.client.exec(command, (err, channel) => {
        if (err) {
          reject(new ProviderError('transient', `gcp: ssh ${this.endpoint.host}: ${err.message}`, { provider: 'gcp', cause: err }));
          return;
        }
        let stdout = '';
        let stderr = '';
        let code: number | null = null;
        channel.on('error', () => undefined);
        channel.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
        channel.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
        channel.on('exit', (c: number | null) => (code = c));
        channel.on('close', () => {
          if (code === 0) resolve(stdout);
          else
            reject(
              new ProviderError('transient', `gcp: ssh ${this.endpoint.host}: \`${command}\` exited ${code ?? 'without a code'}: ${stderr.trim()}`, {
                provider: 'gcp',
              }),
            );
        });
      });
    }).finally(() => clearInterval(hold));
  }

  /** A stream to `host:port` as the VM sees it. */
  forward(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => (err ? reject(err) : resolve(stream)));
    });
  }

  close(): void {
    this.client.end();
  }
}

/**
 * A local port forward over its own SSH connection: `http://127.0.0.1:PORT` on this machine reaches
 * `target` as the VM sees it. Neither the listening socket nor the connection keeps the process
 * alive; a request in flight does, through its own socket.
 */
export async function openSshTunnel(endpoint: SshEndpoint, target: string): Promise<Tunnel> {
  const url = new URL(target);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const channel = await SshChannel.open(endpoint);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    socket.unref();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    channel
      .forward(host, port)
      .then((stream) => {
        stream.on('error', () => socket.destroy());
        socket.pipe(stream).pipe(socket);
        socket.on('close', () => stream.destroy());
      })
      .catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.unref();
  const localPort = (server.address() as { port: number }).port;
  return {
    localAddress: `${url.protocol}//127.0.0.1:${localPort}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      channel.close();
    },
  };
}
