import { createServer } from 'node:net';

/**
 * Allocates one free TCP port per name by binding port 0 and releasing it. There is a window in
 * which another process may take the port; tasks bind right away, and the OS rarely reuses an
 * ephemeral port that quickly.
 */
export async function allocatePorts(names: readonly string[]): Promise<Record<string, number>> {
  const ports: Record<string, number> = {};
  const servers = await Promise.all(names.map(() => listenOnFreePort()));
  try {
    names.forEach((name, i) => {
      const server = servers[i];
      const address = server?.address();
      if (address && typeof address === 'object') ports[name] = address.port;
    });
  } finally {
    // All held open until every one is known, so two names never receive the same port.
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
  return ports;
}

function listenOnFreePort(): Promise<ReturnType<typeof createServer>> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '0.0.0.0', exclusive: true }, () => resolve(server));
  });
}
