import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import type { Clock } from '@iris/core';
import type { BundleUploadResponse } from '@iris/core/api';
import type { StateStore } from '../store/state-store.js';
import { apiError } from './http-util.js';

const SHA256 = /^[0-9a-f]{64}$/;

/** Content-addressed bundles: blobs at `state_dir/bundles/<sha256>`, indexed in the database. */
export class BundleStore {
  private readonly dir: string;

  constructor(
    stateDir: string,
    private readonly store: StateStore,
    private readonly clock: Clock,
    private readonly maxBytes: number,
  ) {
    this.dir = join(stateDir, 'bundles');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Partial uploads of a controller that died mid-upload: nobody will finish them.
    for (const f of readdirSync(this.dir)) if (f.startsWith('.upload-')) rmSync(join(this.dir, f), { force: true });
  }

  /** Streams the body to disk while hashing; keeps it only when the hash matches the name. */
  async put(sha256: string, req: IncomingMessage): Promise<BundleUploadResponse> {
    if (!SHA256.test(sha256)) throw apiError('invalidRequest', 'bundle id must be the lowercase hex sha256 of its bytes');
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
        if (size > maxBytes) return done(apiError('tooLarge', `bundle exceeds the limit of ${maxBytes} bytes`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(req, count, createWriteStream(tmp, { mode: 0o600 }));
      const actual = hash.digest('hex');
      if (actual !== sha256) throw apiError('invalidRequest', `bundle bytes hash to ${actual}, not ${sha256}; upload again`);
      renameSync(tmp, final);
    } catch (err) {
      rmSync(tmp, { force: true });
      if ((err as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE' || req.destroyed) {
        throw apiError('invalidRequest', `the upload of bundle ${sha256} ended after ${size} bytes, before the body was complete; upload again`);
      }
      throw err;
    }
    this.store.recordBundle(sha256, size, this.clock.now());
    return { bundle_id: sha256, size_bytes: size };
  }

  send(sha256: string, res: ServerResponse, headOnly: boolean): void {
    if (!SHA256.test(sha256) || !this.store.hasBundle(sha256)) throw apiError('notFound', `bundle ${sha256} does not exist`);
    const file = join(this.dir, sha256);
    const size = statSync(file).size;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    if (headOnly) {
      res.end();
      return;
    }
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  }
}
