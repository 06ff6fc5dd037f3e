import { spawn } from 'node:child_process';
import { cp, rm } from 'node:fs/promises';

/**
 * Gives an attempt its own copy of a cached bundle tree, so a task that deletes or rewrites its
 * files cannot break later attempts. `cp --reflink=auto` shares the blocks on file systems that
 * can (btrfs, XFS) and copies elsewhere; hard links would be cheaper but a task writing a file in
 * place would write through to the cache.
 */
export async function copyBundleTree(source: string, target: string): Promise<void> {
  const viaCp = await new Promise<boolean>((resolve) => {
    const child = spawn('cp', ['-R', '--reflink=auto', '-p', `${source}/.`, target], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
  if (viaCp) return;
  // No GNU cp (macOS): Node's copy.
  await rm(target, { recursive: true, force: true });
  await cp(source, target, { recursive: true, preserveTimestamps: true });
}
