import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { x as untar } from 'tar';
import { IrisError } from '@iris/core';

export const BUNDLE_HASH_MISMATCH = 'IRIS_WORKER_BUNDLE_HASH_MISMATCH';
export const BUNDLE_INVALID_ID = 'IRIS_WORKER_BUNDLE_INVALID_ID';
export const BUNDLE_UNPACK_FAILED = 'IRIS_WORKER_BUNDLE_UNPACK_FAILED';

/** Fetches a bundle's bytes by its sha256 (from the controller, in the daemon). */
export type BundleFetcher = (sha256: string) => Promise<Uint8Array>;

/**
 * Content-addressed cache of unpacked bundles under `<dir>/<sha256>/`. A bundle is fetched once per
 * hash, verified, and unpacked into a temporary folder renamed into place, so a crash mid-unpack
 * never leaves a half tree that looks complete. Concurrent requests for one hash share one fetch.
 */
export class BundleCache {
  private readonly inFlight = new Map<string, Promise<string>>();
  private fetches = 0;

  constructor(
    private readonly dir: string,
    private readonly fetcher: BundleFetcher,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** Number of fetches made so far (a measure of reuse). */
  get fetchCount(): number {
    return this.fetches;
  }

  /** The unpacked tree of the bundle, fetching and unpacking it when not cached yet. */
  async get(sha256: string): Promise<string> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) {
      throw new IrisError(BUNDLE_INVALID_ID, `bundle id "${sha256}" is not a lowercase hex sha256`);
    }
    const target = join(this.dir, sha256);
    if (existsSync(target)) return target;
    let pending = this.inFlight.get(sha256);
    if (!pending) {
      pending = this.fetchAndUnpack(sha256, target).finally(() => this.inFlight.delete(sha256));
      this.inFlight.set(sha256, pending);
    }
    return pending;
  }

  private async fetchAndUnpack(sha256: string, target: string): Promise<string> {
    this.fetches++;
    const bytes = await this.fetcher(sha256);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) {
      throw new IrisError(
        BUNDLE_HASH_MISMATCH,
        `bundle ${sha256} arrived with sha256 ${actual} (${bytes.length} bytes); refusing to run it. ` +
          'Re-upload the bundle or check what sits between the worker and the controller.',
      );
    }
    const staging = join(this.dir, `.staging-${sha256}-${randomBytes(4).toString('hex')}`);
    mkdirSync(staging, { recursive: true });
    const archive = join(staging, '.bundle.tar');
    try {
      writeFileSync(archive, bytes);
      const tree = join(staging, 'tree');
      mkdirSync(tree);
      // tar detects gzip itself; `strict` turns a corrupt archive into an error instead of a warning.
      await untar({ file: archive, cwd: tree, strict: true });
      renameSync(tree, target);
      return target;
    } catch (err) {
      if (existsSync(target)) return target; // another worker process sharing the dir won the race
      throw new IrisError(BUNDLE_UNPACK_FAILED, `cannot unpack bundle ${sha256}: ${(err as Error).message}`, { cause: err });
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
}
