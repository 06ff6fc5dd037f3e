import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
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
    mkdirSync(this.dir, { recursive: true });
  }

  /** Streams the body to disk while hashing; keeps it only when the hash matches the name. */
  async put(sha256: string, req: IncomingMessage): Promise<BundleUploadResponse> {
    if (!SHA256.test(sha256)) throw apiError('invalidRequest', 'bundle id must be the lowercase hex sha256 of its bytes');
    const final = join(this.dir, sha256);
    const tmp = join(this.dir, `.upload-${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const out = createWriteStream(tmp, { mode: 0o600 });
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.maxBytes) throw apiError('tooLarge', `bundle exceeds the limit of ${this.maxBytes} bytes`);
        hash.update(chunk);
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      const actual = hash.digest('hex');
      if (actual !== sha256) throw apiError('invalidRequest', `bundle bytes hash to ${actual}, not ${sha256}; upload again`);
      renameSync(tmp, final);
    } catch (err) {
      out.destroy();
      rmSync(tmp, { force: true });
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
