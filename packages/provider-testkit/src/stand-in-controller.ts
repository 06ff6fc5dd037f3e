import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A registration the stand-in controller received. */
export interface Registration {
  workerId: string;
  /** The bearer credential the worker registered with. */
  credential: string | undefined;
}

/**
 * The least of a controller a worker needs to join: registration (which trades the join token for
 * a credential), the reconcile long-poll (answered at once, with no work) and log pushes. It runs
 * on 127.0.0.1, port 0; the join check points a real launch at it.
 */
export class StandInController {
  readonly registrations: Registration[] = [];
  private server: Server | undefined;
  private url_ = '';

  get url(): string {
    return this.url_;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      void this.answer(req).then(
        ([status, body]) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        },
        () => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"code":"IRIS_API_INTERNAL","message":"stand-in controller failed"}');
        },
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.url_ = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url_;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async answer(req: IncomingMessage): Promise<[number, unknown]> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    const credential = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (req.method === 'GET' && path === '/health') return [200, { status: 'ok', workers: this.registrations.length, jobs: 0 }];
    if (req.method === 'POST' && path === '/api/v1/workers/register') {
      const workerId = String(body['worker_id']);
      this.registrations.push({ workerId, credential });
      return [200, { worker_id: workerId, worker_timeout_ms: 60_000, reconcile_wait_ms: 1_000, worker_token: `iw_${randomBytes(16).toString('hex')}` }];
    }
    if (req.method === 'POST' && /^\/api\/v1\/workers\/[^/]+\/reconcile$/.test(path)) {
      // Held like a real long-poll (briefly), so a worker does not spin against it.
      const waitMs = Math.min(Number(body['wait_ms'] ?? 0) || 0, 1_000);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      return [200, { start: [], kill: [] }];
    }
    if (req.method === 'POST' && path === '/api/v1/logs') return [200, { accepted: 0 }];
    return [404, { code: 'IRIS_API_NOT_FOUND', message: `the stand-in controller has no route ${req.method} ${path}` }];
  }
}
