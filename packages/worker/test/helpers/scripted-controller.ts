import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_ERROR_CODES, type AttemptKill, type AttemptStart, type LogLine, type ReconcileRequest, type WorkerRegisterRequest } from '@iris/core/api';

/**
 * A controller speaking the real HTTP API on loopback whose answers the test scripts: it queues
 * starts and kills for the next reconcile, holds long polls, forgets workers on demand and can
 * fail every call. It lets the daemon's tests check behaviour the real controller makes hard to
 * provoke on cue (a forgotten worker, an outage of a chosen length).
 */
export class ScriptedController {
  readonly registrations: WorkerRegisterRequest[] = [];
  readonly reconciles: ReconcileRequest[] = [];
  readonly logs: LogLine[] = [];
  readonly authHeaders: string[] = [];
  readonly bundles = new Map<string, Uint8Array>();
  known = new Set<string>();
  failing = false;
  /** Never answer (a controller behind a black hole). */
  hanging = false;
  /** Answer register with 404 (an old controller without the route, a proxy in the way). */
  rejectRegister = false;
  /** While set, bundle downloads wait for it (to catch an attempt in BUILDING). */
  bundleGate: Promise<void> | undefined;
  workerTimeoutMs = 60_000;
  private starts: AttemptStart[] = [];
  private kills: AttemptKill[] = [];
  private waiters: Array<() => void> = [];
  private server: Server | undefined;

  async listen(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.wake();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  queueStart(start: AttemptStart): void {
    this.starts.push(start);
    this.wake();
  }

  queueKill(kill: AttemptKill): void {
    this.kills.push(kill);
    this.wake();
  }

  /** The last state a worker reported for an attempt. */
  lastReport(taskId: string, attempt: number): ReconcileRequest['attempts'][number] | undefined {
    for (let i = this.reconciles.length - 1; i >= 0; i--) {
      const found = this.reconciles[i]?.attempts.find((a) => a.task_id === taskId && a.attempt === attempt);
      if (found) return found;
    }
    return undefined;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    this.authHeaders.push(req.headers.authorization ?? '');
    const send = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (this.hanging) return;
    if (this.failing) return send(500, { code: API_ERROR_CODES.internal, message: 'scripted outage' });
    const path = url.pathname;
    if (req.method === 'POST' && path === '/api/v1/workers/register') {
      if (this.rejectRegister) return send(404, { code: API_ERROR_CODES.notFound, message: 'no route POST /api/v1/workers/register' });
      const r = JSON.parse(body) as WorkerRegisterRequest;
      this.registrations.push(r);
      this.known.add(r.worker_id);
      return send(200, { worker_id: r.worker_id, worker_timeout_ms: this.workerTimeoutMs, reconcile_wait_ms: 5_000 });
    }
    const rec = /^\/api\/v1\/workers\/([^/]+)\/reconcile$/.exec(path);
    if (req.method === 'POST' && rec?.[1]) {
      const id = decodeURIComponent(rec[1]);
      if (!this.known.has(id)) return send(404, { code: API_ERROR_CODES.notFound, message: `unknown worker ${id}` });
      const r = JSON.parse(body) as ReconcileRequest;
      this.reconciles.push(r);
      if (this.starts.length === 0 && this.kills.length === 0 && (r.wait_ms ?? 0) > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(r.wait_ms ?? 0, 5_000));
          this.waiters.push(() => (clearTimeout(t), resolve()));
        });
      }
      if (res.destroyed) return;
      return send(200, { start: this.starts.splice(0), kill: this.kills.splice(0) });
    }
    if (req.method === 'POST' && path === '/api/v1/logs') {
      const r = JSON.parse(body) as { lines: LogLine[] };
      this.logs.push(...r.lines);
      return send(200, { accepted: r.lines.length });
    }
    const bundle = /^\/api\/v1\/bundles\/([0-9a-f]+)$/.exec(path);
    if (req.method === 'GET' && bundle?.[1]) {
      await this.bundleGate;
      const bytes = this.bundles.get(bundle[1]);
      if (!bytes) return send(404, { code: API_ERROR_CODES.notFound, message: 'no such bundle' });
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return void res.end(bytes);
    }
    send(404, { code: API_ERROR_CODES.notFound, message: `no route ${req.method} ${path}` });
  }
}
