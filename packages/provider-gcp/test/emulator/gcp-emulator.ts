import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ComputeApi } from './compute-api.js';
import { FaultBook } from './faults.js';
import { readJson, ReplyError, sendError, sendJson } from './http-json.js';
import { StorageApi } from './storage-api.js';
import { TpuApi } from './tpu-api.js';

type Handler = (m: RegExpExecArray, url: URL, req: IncomingMessage) => Promise<Record<string, unknown>> | Record<string, unknown>;

/**
 * One loopback HTTP server speaking the TPU v2 REST API (`/v2/…`: nodes, queued resources), the
 * Compute Engine v1 instances API (`/compute/v1/…`) and the Cloud Storage JSON API (`/storage/v1/…`),
 * so the real client libraries can be pointed at it through
 * `api_endpoint`. Bound to port 0.
 */
export class GcpEmulator {
  readonly faults = new FaultBook();
  readonly tpu: TpuApi;
  readonly compute: ComputeApi;
  /** Cloud Storage JSON API (`/storage/v1/…`, `/upload/storage/v1/…`). */
  readonly storage: StorageApi;
  /** Every request as `METHOD path`. */
  readonly requests: string[] = [];
  private server: Server | undefined;
  private readonly routes: [string, RegExp, Handler][];

  constructor(now: () => number = () => Date.now()) {
    this.tpu = new TpuApi(this.faults, now);
    this.compute = new ComputeApi(this.faults, now);
    this.storage = new StorageApi(now);
    const seg = '([^/]+)';
    const loc = `/v2/(projects/${seg}/locations/${seg})`;
    const cz = `/compute/v1/projects/${seg}/zones/${seg}`;
    this.routes = [
      [
        'POST',
        re(`/v2/(projects/${seg}/locations/${seg}/nodes/[^/:]+):getGuestAttributes`),
        async (m, _u, req) => this.tpu.getGuestAttributes(m[1]!, await readJson(req)),
      ],
      ['POST', re(`${loc}/nodes`), async (m, url, req) => this.tpu.createNode(m[1]!, url.searchParams.get('nodeId') ?? '', await readJson(req))],
      ['GET', re(`${loc}/nodes`), (m) => this.tpu.listNodes(m[1]!)],
      ['GET', re(`/v2/(projects/${seg}/locations/${seg}/nodes/${seg})`), (m) => this.tpu.getNode(m[1]!)],
      ['DELETE', re(`/v2/(projects/${seg}/locations/${seg}/nodes/${seg})`), (m) => this.tpu.deleteNode(m[1]!)],
      ['GET', re(`/v2/(projects/${seg}/locations/${seg}/operations/${seg})`), (m) => this.tpu.getOperation(m[1]!)],
      ['GET', re(`${loc}/acceleratorTypes`), (m) => this.tpu.listAcceleratorTypes(m[1]!)],
      [
        'POST',
        re(`${loc}/queuedResources`),
        async (m, url, req) => this.tpu.createQueuedResource(m[1]!, url.searchParams.get('queuedResourceId') ?? '', await readJson(req)),
      ],
      ['GET', re(`${loc}/queuedResources`), (m) => this.tpu.listQueuedResources(m[1]!)],
      ['GET', re(`/v2/(projects/${seg}/locations/${seg}/queuedResources/${seg})`), (m) => this.tpu.getQueuedResource(m[1]!)],
      [
        'DELETE',
        re(`/v2/(projects/${seg}/locations/${seg}/queuedResources/${seg})`),
        (m, url) => this.tpu.deleteQueuedResource(m[1]!, url.searchParams.get('force') === 'true'),
      ],
      ['POST', re(`${cz}/instances`), async (m, _u, req) => this.compute.insert(m[1]!, m[2]!, await readJson(req))],
      ['GET', re(`${cz}/instances`), (m, url) => this.compute.list(m[1]!, m[2]!, url.searchParams.get('filter') ?? undefined)],
      [
        'GET',
        re(`${cz}/instances/${seg}/getGuestAttributes`),
        (m, url) => this.compute.getGuestAttributes(m[1]!, m[2]!, m[3]!, url.searchParams.get('queryPath') ?? ''),
      ],
      ['GET', re(`${cz}/instances/${seg}`), (m) => this.compute.get(m[1]!, m[2]!, m[3]!)],
      ['POST', re(`${cz}/disks`), async (m, _u, req) => this.compute.insertDisk(m[1]!, m[2]!, await readJson(req))],
      ['GET', re(`${cz}/disks/${seg}`), (m) => this.compute.getDisk(m[1]!, m[2]!, m[3]!)],
      ['DELETE', re(`${cz}/disks/${seg}`), (m) => this.compute.deleteDisk(m[1]!, m[2]!, m[3]!)],
      ['DELETE', re(`${cz}/instances/${seg}`), (m) => this.compute.delete(m[1]!, m[2]!, m[3]!)],
      ['GET', re(`${cz}/operations/${seg}`), (m) => this.compute.getOperation(m[1]!, m[2]!, m[3]!)],
      ['POST', re(`${cz}/operations/${seg}/wait`), (m) => this.compute.getOperation(m[1]!, m[2]!, m[3]!)],
    ];
  }

  /** Starts listening on 127.0.0.1 with an ephemeral port; resolves to `http://127.0.0.1:PORT`. */
  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    this.requests.push(`${method} ${url.pathname}`);
    if (await this.storage.handle(req, res, url)) return;
    try {
      for (const [m, pattern, handler] of this.routes) {
        if (m !== method) continue;
        const match = pattern.exec(url.pathname);
        if (match) {
          sendJson(res, 200, await handler(match, url, req));
          return;
        }
      }
      sendError(res, { httpStatus: 404, status: 'NOT_FOUND', message: `no route for ${method} ${url.pathname}` });
    } catch (err) {
      if (err instanceof ReplyError) sendError(res, err.reply);
      else sendError(res, { httpStatus: 500, status: 'INTERNAL', message: String(err) });
    }
  }
}

function re(pattern: string): RegExp {
  return new RegExp(`^${pattern}$`);
}
