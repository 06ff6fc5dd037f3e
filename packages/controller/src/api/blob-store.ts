import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BundleUploadResponse } from '@iris/core/api';
import { apiError } from './http-util.js';

const SHA256 = /^[0-9a-f]{64}$/;

export interface BlobIndex {
  has(sha256: string): boolean;
  record(sha256: string, sizeBytes: number): void;
}

/**
 * Content-addressed blobs in one folder (`state_dir/bundles`, `state_dir/outputs`): an upload is
 * streamed to disk while hashed and kept only when the hash matches its name, so a blob is never
 * held whole in memory and a name always means the same bytes.
 */
export class BlobStore {
  readonly dir: string;

  constructor(
    parentDir: string,
    /** Folder name and the word errors use (`bundle`, `output`). */
    private readonly kind: { folder: string; noun: string },
    private readonly maxBytes: number,
    private readonly index: BlobIndex,
  ) {
    this.dir = join(parentDir, kind.folder);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Partial uploads of a controller that died mid-upload: nobody will finish them.
    for (const f of readdirSync(this.dir)) if (f.startsWith('.upload-')) rmSync(join(this.dir, f), { force: true });
  }

  /** Streams the body to disk while hashing; keeps it only when the hash matches the name. */
  async put(sha256: string, req: IncomingMessage): Promise<BundleUploadResponse> {
    const { noun } = this.kind;
    if (!SHA256.test(sha256)) throw apiError('invalidRequest', `${noun} id must be the lowercase hex sha256 of its bytes`);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxBytes) {
      throw apiError('tooLarge', `${noun} of ${declared} bytes exceeds the limit of ${this.maxBytes} bytes`);
    }
    const final = join(this.dir, sha256);
    const tmp = join(this.dir, `.upload-${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const maxBytes = this.maxBytes;
    // pipeline() destroys every stream when one fails (a client that hangs up mid-upload), and
    // waits for the file to close, so the partial file can always be removed and no error event
    // is left without a listener.
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) return done(apiError('tooLarge', `${noun} exceeds the limit of ${maxBytes} bytes`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(req, count, createWriteStream(tmp, { mode: 0o600 }));
      const actual = hash.digest('hex');
      if (actual !== sha256) throw apiError('invalidRequest', `${noun} bytes hash to ${actual}, not ${sha256}; upload again`);
      renameSync(tmp, final);
    } catch (err) {
      rmSync(tmp, { force: true });
      if ((err as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE' || req.destroyed) {
        throw apiError('invalidRequest', `the upload of ${noun} ${sha256} ended after ${size} bytes, before the body was complete; upload again`);
      }
      throw err;
    }
    this.index.record(sha256, size);
    return { bundle_id: sha256, size_bytes: size };
  }

  has(sha256: string): boolean {
    return SHA256.test(sha256) && this.index.has(sha256) && existsSync(join(this.dir, sha256));
  }

  send(sha256: string, res: ServerResponse, headOnly: boolean): void {
    if (!this.has(sha256)) throw apiError('notFound', `${this.kind.noun} ${sha256} does not exist`);
    const file = join(this.dir, sha256);
    const size = statSync(file).size;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size, 'cache-control': 'private, max-age=31536000, immutable' });
    if (headOnly) {
      res.end();
      return;
    }
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  }
}
