import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Ends the process groups recorded in `pidDir` by a previous life of this worker (killed before it
 * could stop its attempts), so a restarted worker never runs beside its own zombies. Returns the
 * group ids signalled.
 */
export function reapOrphans(pidDir: string): number[] {
  let files: string[];
  try {
    files = readdirSync(pidDir).filter((f) => f.endsWith('.pid'));
  } catch {
    return [];
  }
  const reaped: number[] = [];
  for (const file of files) {
    const path = join(pidDir, file);
    const pgid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pgid) && pgid > 1) {
      try {
        process.kill(-pgid, 'SIGKILL');
        reaped.push(pgid);
      } catch {
        // Already gone.
      }
    }
    rmSync(path, { force: true });
  }
  return reaped;
}
