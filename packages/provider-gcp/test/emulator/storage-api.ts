import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CRC32C } from '@google-cloud/storage';
import { notFound, ReplyError, sendError, sendJson } from './http-json.js';

export interface EmulatedObject {
  name: string;
  data: Buffer;
  contentType: string;
  generation: number;
  timeCreated: string;
}

interface ResumableSession {
  bucket: string;
  name: string;
  contentType: string;
}

/**
 * The part of the Cloud Storage JSON API that `@google-cloud/storage` uses for small objects:
 * buckets (create, get, list), objects list (prefix, pages), multipart, media and resumable
 * upload (one PUT), download (`alt=media`, with `x-goog-hash`), metadata and delete.
 */
export class StorageApi {
  readonly buckets = new Map<string, Map<string, EmulatedObject>>();
  /** Every call fails this way while set: 503 (a failing service) or 403 (no IAM role on the bucket). */
  failure: 'unavailable' | 'permission_denied' | undefined;
  /** Objects per page of a list (the real default is 1000). */
  pageSize = 1000;
  private readonly sessions = new Map<string, ResumableSession>();
  private generation = 0;

  constructor(private readonly now: () => number) {}

  createBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  /** The object names of a bucket, sorted. */
  names(bucket: string): string[] {
    return [...(this.buckets.get(bucket)?.keys() ?? [])].sort();
  }

  /** Answers a `/storage/v1/…` or `/upload/storage/v1/…` request; false when the path is not one. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    if (!path.startsWith('/storage/v1/') && !path.startsWith('/upload/storage/v1/')) return false;
    try {
      if (this.failure === 'unavailable') throw new ReplyError({ httpStatus: 503, status: 'UNAVAILABLE', message: 'The service is currently unavailable.' });
      if (this.failure === 'permission_denied') {
        throw new ReplyError({ httpStatus: 403, status: 'PERMISSION_DENIED', message: 'iris-controller@emulated does not have storage.objects.list access.' });
      }
      await this.route(req, res, url, req.method ?? 'GET');
    } catch (err) {
      if (err instanceof ReplyError) sendError(res, err.reply);
      else sendError(res, { httpStatus: 500, status: 'INTERNAL', message: String(err) });
    }
    return true;
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if ((m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path))) {
      const bucket = decodeURIComponent(m[1]!);
      if (method === 'POST') return this.upload(req, res, url, bucket);
      if (method === 'PUT') return this.resumePut(req, res, url);
    }
    if (method === 'POST' && path === '/storage/v1/b') {
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { name?: string };
      if (!body.name) throw badRequest('bucket name missing');
      this.createBucket(body.name);
      return sendJson(res, 200, bucketResource(body.name));
    }
    if (method === 'GET' && path === '/storage/v1/b') {
      return sendJson(res, 200, { kind: 'storage#buckets', items: [...this.buckets.keys()].sort().map(bucketResource) });
    }
    if ((m = /^\/storage\/v1\/b\/([^/]+)$/.exec(path)) && method === 'GET') {
      this.bucket(decodeURIComponent(m[1]!));
      return sendJson(res, 200, bucketResource(decodeURIComponent(m[1]!)));
    }
    if ((m = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(path)) && method === 'GET') {
      return sendJson(res, 200, this.list(decodeURIComponent(m[1]!), url));
    }
    if ((m = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
      const bucket = decodeURIComponent(m[1]!);
      const name = decodeURIComponent(m[2]!);
      const object = this.bucket(bucket).get(name);
      if (method === 'DELETE') {
        if (!object) throw notFound(`object gs://${bucket}/${name}`);
        this.bucket(bucket).delete(name);
        res.writeHead(204).end();
        return;
      }
      if (method === 'GET') {
        if (!object) throw notFound(`object gs://${bucket}/${name}`);
        if (url.searchParams.get('alt') !== 'media') return sendJson(res, 200, objectResource(bucket, object));
        res.writeHead(200, {
          'content-type': object.contentType,
          'content-length': object.data.length,
          'x-goog-hash': `crc32c=${crc32c(object.data)},md5=${md5(object.data)}`,
          'x-goog-stored-content-encoding': 'identity',
          'x-goog-generation': String(object.generation),
        });
        res.end(object.data);
        return;
      }
    }
    throw new ReplyError({ httpStatus: 404, status: 'NOT_FOUND', message: `no route for ${method} ${path}` });
  }

  private bucket(name: string): Map<string, EmulatedObject> {
    const bucket = this.buckets.get(name);
    if (!bucket) throw notFound(`bucket ${name}`);
    return bucket;
  }

  private list(bucketName: string, url: URL): Record<string, unknown> {
    const prefix = url.searchParams.get('prefix') ?? '';
    const after = url.searchParams.get('pageToken') ?? '';
    const max = Math.min(Number(url.searchParams.get('maxResults') ?? this.pageSize) || this.pageSize, this.pageSize);
    const bucket = this.bucket(bucketName);
    const names = [...bucket.keys()].filter((n) => n.startsWith(prefix) && n > after).sort();
    const page = names.slice(0, max);
    return {
      kind: 'storage#objects',
      items: page.map((n) => objectResource(bucketName, bucket.get(n)!)),
      ...(names.length > page.length ? { nextPageToken: page.at(-1) } : {}),
    };
  }

  private async upload(req: IncomingMessage, res: ServerResponse, url: URL, bucket: string): Promise<void> {
    this.bucket(bucket);
    const type = url.searchParams.get('uploadType');
    const body = await readBody(req);
    if (type === 'media') {
      const name = url.searchParams.get('name');
      if (!name) throw badRequest('name missing');
      return sendJson(res, 200, objectResource(bucket, this.store(bucket, name, body, String(req.headers['content-type'] ?? 'application/octet-stream'))));
    }
    if (type === 'multipart') {
      const boundary = /boundary="?([^";]+)"?/.exec(String(req.headers['content-type'] ?? ''))?.[1];
      if (!boundary) throw badRequest('multipart upload without a boundary');
      const [metaPart, dataPart] = multipartParts(body, boundary);
      if (!metaPart || !dataPart) throw badRequest('multipart upload needs a metadata part and a data part');
      const metadata = JSON.parse(metaPart.body.toString('utf8')) as { name?: string; contentType?: string };
      const name = metadata.name ?? url.searchParams.get('name');
      if (!name) throw badRequest('name missing');
      const contentType = metadata.contentType ?? dataPart.headers['content-type'] ?? 'application/octet-stream';
      return sendJson(res, 200, objectResource(bucket, this.store(bucket, name, dataPart.body, contentType)));
    }
    if (type === 'resumable') {
      const metadata = (body.length ? JSON.parse(body.toString('utf8')) : {}) as { name?: string; contentType?: string };
      const name = metadata.name ?? url.searchParams.get('name');
      if (!name) throw badRequest('name missing');
      const id = randomUUID();
      this.sessions.set(id, { bucket, name, contentType: metadata.contentType ?? String(req.headers['x-upload-content-type'] ?? 'application/octet-stream') });
      const host = req.headers.host ?? '127.0.0.1';
      res.writeHead(200, { location: `http://${host}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&upload_id=${id}` }).end();
      return;
    }
    throw badRequest(`uploadType ${type ?? '(none)'} is not emulated`);
  }

  /** A resumable session's data in one PUT (what a small object takes). */
  private async resumePut(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const id = url.searchParams.get('upload_id') ?? '';
    const session = this.sessions.get(id);
    if (!session) throw notFound(`upload session ${id}`);
    const body = await readBody(req);
    this.sessions.delete(id);
    sendJson(res, 200, objectResource(session.bucket, this.store(session.bucket, session.name, body, session.contentType)));
  }

  private store(bucket: string, name: string, data: Buffer, contentType: string): EmulatedObject {
    const object = { name, data, contentType, generation: ++this.generation, timeCreated: new Date(this.now()).toISOString() };
    this.bucket(bucket).set(name, object);
    return object;
  }
}

function bucketResource(name: string): Record<string, unknown> {
  return { kind: 'storage#bucket', id: name, name, location: 'EU', storageClass: 'STANDARD' };
}

function objectResource(bucket: string, o: EmulatedObject): Record<string, unknown> {
  return {
    kind: 'storage#object',
    id: `${bucket}/${o.name}/${o.generation}`,
    name: o.name,
    bucket,
    generation: String(o.generation),
    metageneration: '1',
    contentType: o.contentType,
    size: String(o.data.length),
    md5Hash: md5(o.data),
    crc32c: crc32c(o.data),
    timeCreated: o.timeCreated,
    updated: o.timeCreated,
  };
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

function crc32c(data: Buffer): string {
  const hash = new CRC32C();
  hash.update(data);
  return hash.toString();
}

function badRequest(message: string): ReplyError {
  return new ReplyError({ httpStatus: 400, status: 'INVALID_ARGUMENT', message });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The parts of a `multipart/related` body: headers (lower-cased) and raw bytes. */
function multipartParts(body: Buffer, boundary: string): { headers: Record<string, string>; body: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: Record<string, string>; body: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    // Each part: CRLF, headers, CRLF CRLF, bytes, CRLF before the next delimiter.
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const headers: Record<string, string> = {};
    for (const line of part.subarray(0, split).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, body: part.subarray(split + 4) });
    at = next;
  }
  return parts;
}
