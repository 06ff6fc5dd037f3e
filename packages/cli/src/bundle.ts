import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { IrisError } from '@iris/core';
import { create } from 'tar';

export const BUNDLE_PACK_FAILED = 'IRIS_BUNDLE_PACK_FAILED';

/** The files a job bundle holds: git-tracked plus untracked-but-not-ignored, else every file. */
export function listBundleFiles(cwd: string): string[] {
  let files: string[];
  try {
    const out = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 256 * 1024 * 1024,
    });
    files = out
      .toString('utf8')
      .split('\0')
      .filter((f) => f !== '' && statSync(join(cwd, f), { throwIfNoEntry: false })?.isFile());
  } catch {
    files = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile()) files.push(relative(cwd, full));
      }
    };
    walk(cwd);
  }
  return files.sort();
}

/**
 * `files` (relative to `cwd`) as a gzipped tar. portable + a fixed mtime: the same files give the
 * same bytes, so the same content-addressed bundle id.
 */
export async function packFiles(cwd: string, files: readonly string[]): Promise<Buffer> {
  const stream = create({ gzip: true, cwd, portable: true, mtime: new Date(0), strict: true }, [...files]);
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
      // Stays attached after the first error: a pack whose files vanish emits one error per file,
      // and an unheard one would crash the command instead of reporting why.
      stream.on('error', reject);
    });
  } catch (err) {
    throw new IrisError(
      BUNDLE_PACK_FAILED,
      `cannot pack ${cwd} into a bundle: ${(err as Error).message}; is something writing to it? Run from a folder whose files are settled, or add the changing files to .gitignore`,
      { cause: err },
    );
  }
}

/** The working directory as a job bundle. */
export async function packWorkingDirectory(cwd: string): Promise<Buffer> {
  return packFiles(cwd, listBundleFiles(cwd));
}
