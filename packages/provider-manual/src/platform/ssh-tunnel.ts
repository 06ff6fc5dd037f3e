import { createServer, type Socket } from 'node:net';
import type { Tunnel } from '@iris/core';
import { SshConnection, type SshConnectOptions, type SshTarget } from '../ssh/ssh-connection.js';

/** Splits `http://host:port/…`, `host:port` or `[v6]:port`; the scheme is kept for the local URL. */
export function parseTunnelAddress(address: string): { scheme?: string; host: string; port: number } {
  const url = /^([a-z][a-z0-9+.-]*):\/\//i.test(address) ? new URL(address) : new URL(`tcp://${address}`);
  const scheme = url.protocol === 'tcp:' ? undefined : url.protocol.slice(0, -1);
  const port = url.port ? Number(url.port) : scheme === 'https' ? 443 : scheme === 'http' ? 80 : NaN;
  if (!Number.isInteger(port)) throw new Error(`tunnel address "${address}" has no port`);
  return { ...(scheme ? { scheme } : {}), host: url.hostname.replace(/^\[|\]$/g, ''), port };
}

/**
 * An SSH local port forward: a server on 127.0.0.1:0 whose every connection is carried through an
 * SSH connection of its own to `host:port` as the host sees it. Nothing of it (server, sockets, SSH
 * connection) keeps the process alive: a CLI command that forgets to close it still exits once its
 * requests are done, while a request in flight keeps the process running through its own socket.
 */
export async function openSshTunnel(via: SshTarget, options: Omit<SshConnectOptions, 'unref'>, address: string): Promise<Tunnel> {
  const { scheme, host, port } = parseTunnelAddress(address);
  let connection: Promise<SshConnection> | undefined;
  const connected = (): Promise<SshConnection> => {
    const current = connection;
    if (current) {
      return current.then((c) => {
        if (!c.closed) return c;
        if (connection === current) connection = undefined;
        return connected();
      });
    }
    const opening = SshConnection.open(via, { ...options, unref: true });
    connection = opening;
    opening.catch(() => {
      if (connection === opening) connection = undefined;
    });
    return opening;
  };
  // Dial before listening: a tunnel to a host that refuses us fails here, with the SSH error.
  await connected();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    socket.unref();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    connected()
      .then((conn) => conn.forwardOut(host, port))
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
  server.unref();
  const localPort = (server.address() as { port: number }).port;
  return {
    localAddress: scheme ? `${scheme}://127.0.0.1:${localPort}` : `127.0.0.1:${localPort}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      (await connection?.catch(() => undefined))?.close();
    },
  };
}
