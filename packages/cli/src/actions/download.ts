import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IrisError, formatSize } from '@iris/core';
import { parseTaskId, type IrisClient, type TaskOutput } from '@iris/core/api';
import type { CliIo } from '../context.js';

export const OUTPUT_HASH_MISMATCH = 'IRIS_CLI_OUTPUT_HASH_MISMATCH';

export interface DownloadOptions {
  job: string;
  task?: number;
  /** Folder to write into (created); files of task N go to DIR/N/<path>, or DIR/<path> with --task. */
  dir: string;
  /** Show a progress bar (a terminal); otherwise one line per file. */
  tty: boolean;
}

/**
 * `iris job download`: fetches the files a job's tasks wrote under $IRIS_OUTPUT_DIR, streaming
 * each to a temporary file while hashing it and keeping it only when its sha256 matches.
 */
export async function downloadOutputs(client: IrisClient, options: DownloadOptions, io: CliIo): Promise<{ files: number; bytes: number }> {
  const list = await client.listOutputs(options.job, options.task);
  if (list.items.length === 0) {
    io.err(
      `${options.job}${options.task === undefined ? '' : ` task ${options.task}`} has no outputs (a task keeps the files it writes under $IRIS_OUTPUT_DIR)\n`,
    );
    return { files: 0, bytes: 0 };
  }
  const root = resolve(io.cwd, options.dir);
  let done = 0;
  const total = list.size_bytes;
  const progress = (file: string): void => {
    if (!options.tty) return;
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    io.err(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${formatSize(done)}/${formatSize(total)} ${file.slice(-40).padEnd(40)}`);
  };
  for (const item of list.items) {
    const target = targetOf(root, item, options.task !== undefined);
    await fetchOne(client, item, target, (n) => {
      done += n;
      progress(item.path);
    });
    if (!options.tty) io.err(`${target} (${formatSize(item.size_bytes)})\n`);
  }
  if (options.tty) io.err('\n');
  io.err(`downloaded ${list.items.length} file(s), ${formatSize(total)}, into ${root}\n`);
  return { files: list.items.length, bytes: total };
}

function targetOf(root: string, item: TaskOutput, oneTask: boolean): string {
  const index = parseTaskId(item.task_id)?.index ?? 0;
  const target = resolve(oneTask ? root : join(root, String(index)), ...item.path.split('/'));
  // The controller refuses `..` in paths; checked again so a bad answer can never write elsewhere.
  if (!target.startsWith(root + sep)) throw new IrisError('IRIS_CLI_OUTPUT_PATH', `refusing output path ${item.path}: it leaves ${root}`);
  return target;
}

async function fetchOne(client: IrisClient, item: TaskOutput, target: string, onBytes: (n: number) => void): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.iris-partial`;
  const hash = createHash('sha256');
  const res = await client.downloadOutput(item.sha256);
  if (!res.body) throw new IrisError('IRIS_CLI_OUTPUT_EMPTY', `the controller sent no body for ${item.path}`);
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), tap, createWriteStream(tmp));
    const actual = hash.digest('hex');
    if (actual !== item.sha256) {
      throw new IrisError(OUTPUT_HASH_MISMATCH, `${item.path} of ${item.task_id} arrived with sha256 ${actual}, not ${item.sha256}; download again`);
    }
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
