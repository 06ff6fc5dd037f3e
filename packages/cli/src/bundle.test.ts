import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@iris/core';
import { BUNDLE_PACK_FAILED, listBundleFiles, packFiles, packWorkingDirectory } from './bundle.js';

describe('job bundles', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iris-bundle-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.txt'), 'a');
    writeFileSync(join(dir, 'sub', 'b.txt'), 'b');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every file, sorted, outside a git repository', () => {
    expect(listBundleFiles(dir)).toEqual(['a.txt', 'sub/b.txt']);
  });

  it('packs the same files to the same bytes (content-addressed ids stay stable)', async () => {
    const one = await packWorkingDirectory(dir);
    const two = await packWorkingDirectory(dir);
    expect(one.length).toBeGreaterThan(0);
    expect(Buffer.compare(one, two)).toBe(0);
  });

  it('fails with a reason, not a crash, when files vanish before they are read', async () => {
    const err = await packFiles(dir, ['a.txt', 'gone-1.txt', 'gone-2.txt']).catch((e: unknown) => e);
    expect(hasErrorCode(err, BUNDLE_PACK_FAILED)).toBe(true);
    expect((err as Error).message).toMatch(/cannot pack .* into a bundle: ENOENT/);
  });
});
