import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { IrisClient, OutputFile } from '@iris/core/api';

export type OutputApi = Pick<IrisClient, 'hasOutput' | 'uploadOutput' | 'recordOutputs'>;

/** Regular files under `dir`, relative and `/`-separated; symlinks and special files are skipped. */
export function listOutputFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) files.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return files.sort();
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Uploads what an attempt wrote under $IRIS_OUTPUT_DIR: each file content-addressed (hashed and
 * sent as a stream, never read whole; a blob the controller has is not sent again), then the
 * attempt's manifest. Returns the manifest; throws the controller's error (e.g. over the
 * `max_output_bytes` limit) for the caller to log against the task.
 */
export async function uploadOutputs(api: OutputApi, taskId: string, attempt: number, dir: string): Promise<OutputFile[]> {
  const paths = listOutputFiles(dir);
  if (paths.length === 0) return [];
  const files: OutputFile[] = [];
  for (const path of paths) {
    const full = join(dir, path);
    const size = statSync(full).size;
    const sha256 = await sha256Of(full);
    if (!(await api.hasOutput(sha256))) {
      await api.uploadOutput(sha256, Readable.toWeb(createReadStream(full)) as ReadableStream<Uint8Array>, size);
    }
    files.push({ path, sha256, size_bytes: size });
  }
  await api.recordOutputs(taskId, { attempt, files });
  return files;
}
