// Attempts in cgroups (v2) of their own, where the machine allows it: a process group is left by
// any task that calls setsid (or double-forks into a new session), a cgroup is not, and
// `cgroup.kill` (Linux >= 5.14) ends everything in it at once.
//   <v2 mount>/iris/<worker id>.<hash of the work dir>/<task id>.<attempt>
// The work dir's hash keeps two workers with one id on one machine (tests, mostly) apart: each only
// ever kills and removes cgroups under its own dir. Any failure falls back to process groups alone.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** `IRIS_CGROUPS=off` in the worker's environment: process groups only, as before cgroups. */
export const CGROUPS_ENV = 'IRIS_CGROUPS';

/** How long a removal waits for a killed cgroup's processes to be gone. */
const REMOVE_BOUND_MS = 5_000;

/** The first cgroup2 mount point in /proc/self/mountinfo's text, or undefined. */
export function cgroup2Mount(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (right === undefined || right.split(' ')[0] !== 'cgroup2') continue;
    const mountPoint = left?.split(' ')[4];
    // Spaces and the like are escaped as \ooo.
    if (mountPoint) return mountPoint.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  }
  return undefined;
}

/** A readable, unique cgroup name for `id` (a task or worker id: may hold slashes). */
export function cgroupName(id: string): string {
  const readable = id
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 80);
  return `${readable || 'x'}-${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}

export type WorkerCgroups = { dir: string } | { unusable: string };

/**
 * The worker's cgroup dir when attempts can run in cgroups here: a writable v2 hierarchy with
 * `cgroup.kill`, into which a process can really be moved (tried once). Otherwise the reason.
 */
export function workerCgroups(options: {
  workerId: string;
  workDir: string;
  env: Readonly<Record<string, string | undefined>>;
  mountinfo?: string;
}): WorkerCgroups {
  const setting = (options.env[CGROUPS_ENV] ?? '').toLowerCase();
  if (['off', '0', 'false', 'no'].includes(setting)) return { unusable: `turned off by ${CGROUPS_ENV}=${options.env[CGROUPS_ENV]}` };
  let mountinfo = options.mountinfo;
  try {
    mountinfo ??= readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return { unusable: 'no /proc/self/mountinfo' };
  }
  const mount = cgroup2Mount(mountinfo);
  if (!mount) return { unusable: 'no cgroup v2 hierarchy is mounted' };
  const dir = join(mount, 'iris', `${cgroupName(options.workerId)}.${createHash('sha256').update(resolve(options.workDir)).digest('hex').slice(0, 8)}`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    return { unusable: `cannot create ${dir}: ${(err as Error).message}` };
  }
  if (!existsSync(join(dir, 'cgroup.kill'))) {
    removeEmptyDir(dir);
    return { unusable: `${mount} has no cgroup.kill (needs Linux 5.14 or later)` };
  }
  const probe = join(dir, `probe-${process.pid}`);
  try {
    mkdirSync(probe);
    accessSync(join(probe, 'cgroup.kill'), constants.W_OK);
    const moved = spawnSync('/bin/sh', ['-c', 'echo $$ > "$1/cgroup.procs"', 'sh', probe], { stdio: 'ignore', env: {}, timeout: 10_000 });
    if (moved.status !== 0) return { unusable: `cannot move a process into a cgroup under ${dir}` };
  } catch (err) {
    return { unusable: `cannot use a cgroup under ${dir}: ${(err as Error).message}` };
  } finally {
    removeCgroupSync(probe);
    removeEmptyDir(dir);
  }
  return { dir };
}

/**
 * Makes a cgroup for one attempt under the worker's; undefined when it cannot (the attempt then
 * runs in its process group alone).
 */
export function makeAttemptCgroup(workerDir: string, taskId: string, attempt: number): string | undefined {
  const name = `${cgroupName(taskId)}.${attempt}`;
  // A name taken already (a leftover not reaped): a fresh one rather than sharing it. The second
  // try also covers a supervisor that removed the emptied worker dir in between.
  for (const candidate of [name, `${name}.${randomBytes(4).toString('hex')}`]) {
    try {
      mkdirSync(workerDir, { recursive: true });
      mkdirSync(join(workerDir, candidate));
      return join(workerDir, candidate);
    } catch {
      // try the next name
    }
  }
  return undefined;
}

/** SIGKILLs every process in the cgroup (its setsid'ed descendants too); false if that failed. */
export function killCgroup(dir: string): boolean {
  try {
    writeFileSync(join(dir, 'cgroup.kill'), '1');
    return true;
  } catch {
    return false;
  }
}

/** Kills what is left in the cgroup and removes it once empty; resolves false if it is still there after a while. */
export async function removeCgroup(dir: string, boundMs = REMOVE_BOUND_MS): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const state = tryRemove(dir);
    if (state !== 'busy') return state === 'gone';
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `removeCgroup` for callers that cannot wait (start-up): bounded by `boundMs`. */
export function removeCgroupSync(dir: string, boundMs = REMOVE_BOUND_MS): boolean {
  const deadline = Date.now() + boundMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const state = tryRemove(dir);
    if (state !== 'busy') return state === 'gone';
    if (Date.now() >= deadline) return false;
    Atomics.wait(pause, 0, 0, 25);
  }
}

function tryRemove(dir: string): 'gone' | 'busy' | 'failed' {
  if (!existsSync(dir)) return 'gone';
  killCgroup(dir);
  try {
    rmdirSync(dir);
    return 'gone';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'gone';
    // EBUSY: killed processes not gone yet.
    return code === 'EBUSY' ? 'busy' : 'failed';
  }
}

/** Removes `dir` if it is empty (a worker's dir once its last attempt is gone); quiet otherwise. */
export function removeEmptyDir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (attempts running), or gone.
  }
}

/**
 * Kills and removes the attempt cgroups a previous life of this worker left under its dir (it died
 * before its supervisors could); returns their paths.
 */
export function reapCgroups(workerDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(workerDir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
  const reaped = names.map((name) => join(workerDir, name));
  for (const dir of reaped) removeCgroupSync(dir);
  removeEmptyDir(workerDir);
  return reaped;
}

/**
 * The shell a supervisor starts a task with to put it in its cgroup before it runs (so before it can
 * fork): `sh -c SCRIPT sh CGROUP NAME=VALUE... PROGRAM ARGS...`. The task's environment travels as
 * `env -i` assignments, not through the shell, which would drop names it cannot hold (`A.B`) and
 * add PWD. A failed move is quiet: the task runs in its process group alone.
 */
const MOVE_AND_EXEC = '{ echo $$ > "$1/cgroup.procs"; } 2>/dev/null; shift; exec /usr/bin/env -i -- "$@"';

/**
 * The argv that runs `program args` with `env` inside `cgroupDir`, or undefined when that way
 * could change how it starts (the program cannot be found, or a name `env` would misread): the
 * caller then starts it directly, so its errors stay its own.
 */
export function inCgroupArgv(
  cgroupDir: string,
  program: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string[] | undefined {
  if (program.includes('=') || program.startsWith('-') || !existsSync('/usr/bin/env') || !findExecutable(program, env['PATH'], cwd)) return undefined;
  const assignments: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (k === '' || k.includes('=')) return undefined;
    assignments.push(`${k}=${v}`);
  }
  return ['/bin/sh', '-c', MOVE_AND_EXEC, 'sh', cgroupDir, ...assignments, program, ...args];
}

/** Whether `program` resolves to an executable file as execvp would find it with this PATH. */
function findExecutable(program: string, path: string | undefined, cwd: string): boolean {
  const candidates = program.includes('/')
    ? [isAbsolute(program) ? program : resolve(cwd, program)]
    : path === undefined
      ? []
      : path.split(delimiter).map((d) => resolve(cwd, d === '' ? '.' : d, program));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}
