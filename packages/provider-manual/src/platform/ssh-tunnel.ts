import { createServer, type Socket } from 'node:net';
import type { Tunnel } from '@iris/core';
import type { SshTarget } from '../ssh/ssh-connection.js';
import type { SshPool } from '../ssh/ssh-pool.js';

/** Splits `http://host:port/…`, `host:port` or `[v6]:port`; the scheme is kept for the local URL. */
export function parseTunnelAddress(address: string): { scheme?: string; host: string; port: number } {
  const url = /^([a-z][a-z0-9+.-]*):\/\//i.test(address) ? new URL(address) : new URL(`tcp://${address}`);
  const scheme = url.protocol === 'tcp:' ? undefined : url.protocol.slice(0, -1);
  const port = url.port ? Number(url.port) : scheme === 'https' ? 443 : scheme === 'http' ? 80 : NaN;
  if (!Number.isInteger(port)) throw new Error(`tunnel address "${address}" has no port`);
  return { ...(scheme ? { scheme } : {}), host: url.hostname.replace(/^\[|\]$/g, ''), port };
}

/**
 * An SSH local port forward: a server on 127.0.0.1:0 whose every connection is carried through the
 * host's SSH connection to `host:port` as the host sees it.
 */
export async function openSshTunnel(pool: SshPool, via: SshTarget, address: string): Promise<Tunnel> {
  const { scheme, host, port } = parseTunnelAddress(address);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    pool
      .withConnection(via, (conn) => conn.forwardOut(host, port))
      .then((stream) => {
        socket.pipe(stream).pipe(socket);
        stream.on('error', () => socket.destroy());
        socket.on('error', () => stream.destroy());
      })
      .catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const localPort = (server.address() as { port: number }).port;
  return {
    localAddress: scheme ? `${scheme}://127.0.0.1:${localPort}` : `127.0.0.1:${localPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
