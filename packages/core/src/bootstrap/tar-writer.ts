import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** One file of a tarball: where it is read from, its path inside the archive, and its mode. */
export interface TarEntry {
  from: string;
  to: string;
  executable: boolean;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, type: '0' | 'x', mode: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** A pax record `"<len> path=<value>\n"`, whose length counts its own digits. */
function paxPath(path: string): Buffer {
  const body = ` path=${path}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return Buffer.from(`${len}${body}`, 'utf8');
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

async function* blocks(entries: readonly TarEntry[]): AsyncGenerator<Buffer> {
  for (const e of entries) {
    const content = await readFile(e.from);
    if (Buffer.byteLength(e.to) > 100) {
      const pax = paxPath(e.to);
      yield header('PaxHeader', pax.length, 'x', 0o644);
      yield pax;
      yield padding(pax.length);
    }
    yield header(e.to, content.length, '0', e.executable ? 0o755 : 0o644);
    yield content;
    yield padding(content.length);
  }
  yield Buffer.alloc(BLOCK * 2);
}

/**
 * Writes a gzipped POSIX (pax) tarball of `entries`, each read from its own path and stored under
 * its archive path, without laying the tree out on disk first: on a busy machine creating and
 * removing thousands of staging links cost far more than the archive itself. Owner 0, mtime 0, so
 * equal contents give an equal archive.
 */
export async function writeTarGz(file: string, entries: readonly TarEntry[]): Promise<void> {
  await pipeline(Readable.from(blocks(entries)), createGzip({ level: 6 }), createWriteStream(file));
}
