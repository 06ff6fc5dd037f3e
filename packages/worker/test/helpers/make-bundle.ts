import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { c as tarCreate } from 'tar';

/** A gzipped tar of `files` (flat names) and its sha256, as `iris job run` would upload it. */
export async function makeBundle(files: Record<string, string>): Promise<{ bytes: Uint8Array; sha: string }> {
  const src = mkdtempSync(join(tmpdir(), 'iris-bundle-src-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(src, name), text);
  const tgz = join(src, '..', `${src.split('/').pop()}.tgz`);
  await tarCreate({ gzip: true, file: tgz, cwd: src }, Object.keys(files));
  const bytes = new Uint8Array(readFileSync(tgz));
  return { bytes, sha: createHash('sha256').update(bytes).digest('hex') };
}
