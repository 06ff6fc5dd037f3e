import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { c as tarCreate } from 'tar';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@iris/core';
import { BUNDLE_HASH_MISMATCH, BUNDLE_INVALID_ID, BUNDLE_UNPACK_FAILED, BundleCache } from './bundle-cache.js';

async function makeBundle(files: Record<string, string>): Promise<{ bytes: Uint8Array; sha: string }> {
  const src = mkdtempSync(join(tmpdir(), 'iris-bsrc-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(src, name, '..'), { recursive: true });
    writeFileSync(join(src, name), text);
  }
  const file = join(src, '..', `${src.split('/').pop()}.tgz`);
  await tarCreate({ gzip: true, file, cwd: src }, Object.keys(files));
  const bytes = new Uint8Array(readFileSync(file));
  return { bytes, sha: createHash('sha256').update(bytes).digest('hex') };
}

describe('BundleCache', () => {
  it('fetches once per hash, verifies it and unpacks the tree', async () => {
    const { bytes, sha } = await makeBundle({ 'main.sh': 'echo hi\n', 'lib/util.txt': 'u' });
    const dir = mkdtempSync(join(tmpdir(), 'iris-bc-'));
    const asked: string[] = [];
    const cache = new BundleCache(dir, async (id) => (asked.push(id), bytes));
    const [a, b] = await Promise.all([cache.get(sha), cache.get(sha)]);
    const c = await cache.get(sha);
    expect(a).toBe(join(dir, sha));
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(asked).toEqual([sha]);
    expect(cache.fetchCount).toBe(1);
    expect(readFileSync(join(a, 'lib/util.txt'), 'utf8')).toBe('u');
    expect(readdirSync(dir)).toEqual([sha]); // no staging left behind
  });

  it('reuses a tree unpacked by an earlier worker life', async () => {
    const { bytes, sha } = await makeBundle({ 'x.txt': 'x' });
    const dir = mkdtempSync(join(tmpdir(), 'iris-bc-'));
    await new BundleCache(dir, async () => bytes).get(sha);
    const second = new BundleCache(dir, async () => {
      throw new Error('must not fetch');
    });
    expect(await second.get(sha)).toBe(join(dir, sha));
    expect(second.fetchCount).toBe(0);
  });

  it('refuses bytes whose hash does not match, and caches nothing', async () => {
    const { bytes, sha } = await makeBundle({ 'x.txt': 'x' });
    const tampered = new Uint8Array(bytes);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0xff;
    const dir = mkdtempSync(join(tmpdir(), 'iris-bc-'));
    const cache = new BundleCache(dir, async () => tampered);
    const err = await cache.get(sha).catch((e: unknown) => e);
    expect(hasErrorCode(err, BUNDLE_HASH_MISMATCH)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
    // A later good fetch succeeds: failures are not cached.
    const good = new BundleCache(dir, async () => bytes);
    expect(await good.get(sha)).toBe(join(dir, sha));
  });

  it('reports an archive that is not a tar', async () => {
    const bytes = new TextEncoder().encode('definitely not a tarball, just text that is long enough to be read');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const dir = mkdtempSync(join(tmpdir(), 'iris-bc-'));
    const err = await new BundleCache(dir, async () => bytes).get(sha).catch((e: unknown) => e);
    expect(hasErrorCode(err, BUNDLE_UNPACK_FAILED)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects an id that is not a sha256 (no path tricks)', async () => {
    const cache = new BundleCache(mkdtempSync(join(tmpdir(), 'iris-bc-')), async () => new Uint8Array());
    const err = await cache.get('../../etc').catch((e: unknown) => e);
    expect(hasErrorCode(err, BUNDLE_INVALID_ID)).toBe(true);
  });

  it('propagates a fetch failure and retries on the next call', async () => {
    const { bytes, sha } = await makeBundle({ 'x.txt': 'x' });
    let calls = 0;
    const cache = new BundleCache(mkdtempSync(join(tmpdir(), 'iris-bc-')), async () => {
      if (calls++ === 0) throw new Error('controller unreachable');
      return bytes;
    });
    await expect(cache.get(sha)).rejects.toThrow('controller unreachable');
    await expect(cache.get(sha)).resolves.toContain(sha);
  });
});
