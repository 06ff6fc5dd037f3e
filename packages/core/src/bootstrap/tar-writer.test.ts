import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeTarGz } from './tar-writer.js';

describe('writeTarGz', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes a tarball the system tar unpacks: renamed paths, long paths, modes, binary content', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iris-tar-'));
    dirs.push(dir);
    const src = join(dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'a.js'), 'console.log(1)\n');
    writeFileSync(join(src, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    const binary = Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 7) % 256));
    writeFileSync(join(src, 'blob.bin'), binary);
    writeFileSync(join(src, 'empty'), '');
    const long = `node_modules/@scope/${'deep-folder/'.repeat(12)}file-with-a-long-name-é.js`;
    const file = join(dir, 'out.tar.gz');
    await writeTarGz(file, [
      { from: join(src, 'a.js'), to: 'node_modules/x/a.js', executable: false },
      { from: join(src, 'run.sh'), to: 'node_modules/x/bin/run.sh', executable: true },
      { from: join(src, 'blob.bin'), to: 'blob.bin', executable: false },
      { from: join(src, 'empty'), to: 'empty', executable: false },
      { from: join(src, 'a.js'), to: long, executable: false },
    ]);
    const out = join(dir, 'out');
    mkdirSync(out);
    execFileSync('tar', ['-xzf', file, '-C', out]);
    expect(readFileSync(join(out, 'node_modules/x/a.js'), 'utf8')).toBe('console.log(1)\n');
    expect(statSync(join(out, 'node_modules/x/bin/run.sh')).mode & 0o111).not.toBe(0);
    expect(statSync(join(out, 'node_modules/x/a.js')).mode & 0o111).toBe(0);
    expect(readFileSync(join(out, 'blob.bin')).equals(binary)).toBe(true);
    expect(readFileSync(join(out, 'empty'), 'utf8')).toBe('');
    expect(readFileSync(join(out, long), 'utf8')).toBe('console.log(1)\n');
  });
});
