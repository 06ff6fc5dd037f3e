import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { reapCgroups } from './cgroup.js';

/**
 * Ends the process groups recorded in `pidDir` by a previous life of this worker (killed before it
 * could stop its attempts), so a restarted worker never runs beside its own zombies. Returns the
 * group ids signalled.
 *
 * A recorded id may have been reused by an unrelated process since: when the group leader still
 * exists, it is only killed if its environment names the attempt's task. When the leader is gone,
 * Linux does not hand its id out again while any member of its group lives, so the group is ours.
 *
 * With `cgroupDir` (the worker's cgroup dir, see `workerCgroups`), every attempt cgroup left under
 * it is killed and removed as well: the dir is this worker's alone (named after its work dir).
 */
export function reapOrphans(pidDir: string, cgroupDir?: string): number[] {
  const reaped = reapGroups(pidDir);
  // Then whatever is left in the attempts' cgroups (descendants that left their group with setsid).
  if (cgroupDir) reapCgroups(cgroupDir);
  return reaped;
}

function reapGroups(pidDir: string): number[] {
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
    const taskId = decodeURIComponent(file.replace(/\.\d+\.pid$/, ''));
    if (Number.isInteger(pgid) && pgid > 1 && leaderIsOurs(pgid, taskId)) {
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

function leaderIsOurs(pgid: number, taskId: string): boolean {
  let environ: string;
  try {
    environ = readFileSync(`/proc/${pgid}/environ`, 'utf8');
  } catch (err) {
    // No such process: only group members (ours) can still carry the id. Unreadable: not ours.
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
  return environ.split('\0').includes(`IRIS_TASK_ID=${taskId}`);
}
