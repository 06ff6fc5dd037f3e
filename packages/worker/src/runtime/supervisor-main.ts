// The tiny supervisor between the worker and one attempt:
//   node supervisor-main.js EXIT_FILE LEASE_MS [--end-report] [--fence-exec JSON_ARGV] [--docker-exit] [--cgroup DIR] -- PROGRAM ARGS...
// It starts the task as the leader of its own process group (with --cgroup, also inside that cgroup
// v2 before it runs: a descendant that leaves the group with setsid stays in the cgroup; see
// cgroup.ts; the supervisor itself stays outside), and
// - when the worker dies (its stdin, the worker's lifeline pipe, reaches end of file) it kills the
//   whole group at once: a task never outlives its worker (prctl PDEATHSIG is not reachable from
//   Node; this is the portable equivalent);
// - when the worker stops renewing its lease (a byte on stdin at least every LEASE_MS; 0: no lease)
//   it kills the group too: a worker that lost the controller, or hangs, cannot keep its attempts
//   alive past the moment the controller may start them elsewhere;
// - every kill of the group (above, and descendants left when the task ends) also writes 1 to the
//   cgroup's cgroup.kill; once the task has ended the cgroup is removed;
// - with --fence-exec (a JSON array: program and arguments), in both cases it also runs that
//   command (bounded, retried a little while it fails) and records the end only once it is done:
//   for a container, the group holds only the docker CLI, and `docker kill` ends the task itself,
//   which the docker daemon, not this group, owns. A task that ends on its own needs no fence;
// - when the task ends it writes EXIT_FILE ({code, signal, lifeline_lost, lease_expired}) before
//   exiting, so the attempt's end survives a worker that dies before reporting it. With
//   --docker-exit the program is the docker CLI, whose 128+N means the container died of signal N:
//   the file records the task's status, not the CLI's;
// - with --end-report, when the task succeeded it also hands the end to a detached reporter
//   (end-reporter-main.js) that tells the controller itself should the worker not do it in time
//   (frozen, or killed): the end reaches the controller before it gives up on the worker and runs
//   the task again. The worker's URL and credential arrive on fd 4 (one JSON object), never
//   through the task's environment or this command line.
// fd 3 carries JSON lines to the worker: {"pid": N} once the task runs, {"error": "..."} if it
// cannot start, {"exit": {...}} when it ends. The worker signals the task's group itself (kill,
// timeout); the supervisor is outside that group, so it always lives to record the end.
import { spawn } from 'node:child_process';
import { renameSync, writeFileSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inCgroupArgv, killCgroup, removeCgroup, removeEmptyDir } from './cgroup.js';
import { dockerExitStatus } from './docker-args.js';

const USAGE = 'usage: supervisor-main EXIT_FILE LEASE_MS [--end-report] [--fence-exec JSON_ARGV] [--docker-exit] [--cgroup DIR] -- PROGRAM [ARGS...]\n';
const argv = process.argv.slice(2);
const [exitFile, leaseArg] = argv;
let endReporting = false;
let dockerExit = false;
let fenceExec: string[] | undefined;
let cgroupDir: string | undefined;
let badFlag = false;
let at = 2;
for (; at < argv.length && argv[at] !== '--'; at++) {
  const flag = argv[at];
  if (flag === '--end-report') endReporting = true;
  else if (flag === '--docker-exit') dockerExit = true;
  else if (flag === '--fence-exec') {
    fenceExec = parseArgv(argv[++at]);
    if (!fenceExec) badFlag = true;
  } else if (flag === '--cgroup') {
    cgroupDir = argv[++at];
    if (!cgroupDir) badFlag = true;
  } else badFlag = true;
}
const [separator, program, ...args] = argv.slice(at);
const leaseMs = Number(leaseArg);
if (badFlag || !exitFile || !Number.isInteger(leaseMs) || leaseMs < 0 || separator !== '--' || !program) {
  process.stderr.write(USAGE);
  process.exit(2);
}
/** The fence command may hang (a docker daemon that does not answer): it gets this long in all. */
const FENCE_BOUND_MS = 30_000;
const FENCE_TRIES = 3;

function parseArgv(text: string | undefined): string[] | undefined {
  try {
    const parsed = JSON.parse(text ?? '') as unknown;
    const ok = Array.isArray(parsed) && parsed.length > 0 && parsed.every((a) => typeof a === 'string');
    return ok ? (parsed as string[]) : undefined;
  } catch {
    return undefined;
  }
}
const REPORTER_MAIN = fileURLToPath(new URL('./end-reporter-main.js', import.meta.url));

function tell(message: unknown): void {
  try {
    writeSync(3, `${JSON.stringify(message)}\n`);
  } catch {
    // The worker is gone; the exit file still records the end.
  }
}

/** The worker's end-report settings (fd 4, read to its end), or undefined without them. */
const endReport: Promise<Record<string, unknown> | undefined> = endReporting ? readEndReport() : Promise.resolve(undefined);
function readEndReport(): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    let text = '';
    let channel: Socket;
    try {
      channel = new Socket({ fd: 4, readable: true, writable: false });
    } catch {
      return resolve(undefined);
    }
    channel.setEncoding('utf8');
    channel.on('data', (chunk: string) => (text += chunk));
    channel.once('error', () => resolve(undefined));
    channel.once('end', () => {
      try {
        const parsed = JSON.parse(text) as unknown;
        resolve(typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}

/**
 * Starts the detached reporter with everything it needs on its stdin; resolves once handed over
 * (bounded: a supervisor never hangs on it).
 */
async function handOffEnd(startedAtMs: number, finishedAtMs: number): Promise<void> {
  const settings = await Promise.race([endReport, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5_000))]);
  if (!settings) return;
  const reporter = spawn(process.execPath, [REPORTER_MAIN], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], cwd: '/', env: {} });
  reporter.on('error', () => undefined);
  reporter.stdin?.on('error', () => undefined);
  reporter.unref();
  const input = { ...settings, exit_file: exitFile, started_at_ms: startedAtMs, finished_at_ms: finishedAtMs };
  await new Promise<void>((resolve) => {
    const bound = setTimeout(resolve, 5_000);
    reporter.stdin?.end(`${JSON.stringify(input)}\n`, () => {
      clearTimeout(bound);
      resolve();
    });
  });
}

// Terminal signals reach the worker's whole foreground group; only the lifeline decides here.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) process.on(sig, () => undefined);

// In the cgroup when there is one and the task's start does not depend on how (see inCgroupArgv).
const wrapped = cgroupDir ? inCgroupArgv(cgroupDir, program, args, process.env, process.cwd()) : undefined;
const child = wrapped
  ? spawn(wrapped[0]!, wrapped.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], detached: true, env: {} })
  : spawn(program, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
let lifelineLost = false;
let leaseExpired = false;
/** Settles once the attempt's cgroup is removed (or given up on): the supervisor exits after. */
let removingCgroup: Promise<void> = Promise.resolve();
let exited = false;
let lease: NodeJS.Timeout | undefined;
function renewLease(): void {
  if (leaseMs === 0 || leaseExpired) return;
  if (lease) lease.refresh();
  else
    lease = setTimeout(() => {
      leaseExpired = true;
      fence();
    }, leaseMs);
}
renewLease();
let pid: number | undefined;

let startedAtMs = Date.now();
child.once('spawn', () => {
  pid = child.pid;
  startedAtMs = Date.now();
  tell({ pid });
});
child.once('error', (err) => {
  tell({ error: err.message });
  process.exit(127);
});
child.once('exit', (code, signal) => {
  exited = true;
  if (lease) clearTimeout(lease);
  // Descendants left in the group (a backgrounded process) end with the attempt.
  killGroup();
  // The cgroup goes once empty (bounded); the end is recorded meanwhile.
  // So does the worker's dir if that was its last attempt (a worker killed cannot remove it; a
  // live one makes it again for its next attempt).
  const cgroup = cgroupDir;
  if (cgroup)
    removingCgroup = removeCgroup(cgroup).then((gone) => {
      if (gone) removeEmptyDir(dirname(cgroup));
    });
  // A fenced attempt's end is recorded once the fence command is done: only then is it over.
  void (fencing ?? Promise.resolve()).then(() => recordEnd(code, signal));
});

function exitWhenClean(): void {
  void removingCgroup.finally(() => process.exit(0));
}

function recordEnd(code: number | null, signal: NodeJS.Signals | null): void {
  const status = dockerExit ? dockerExitStatus(code, signal) : { code, signal };
  const exit = { ...status, lifeline_lost: lifelineLost, lease_expired: leaseExpired };
  const tmp = `${exitFile}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(exit)}\n`);
    renameSync(tmp, exitFile!);
  } catch (err) {
    process.stderr.write(`iris supervisor: cannot record the attempt's end in ${exitFile}: ${(err as Error).message}\n`);
  }
  tell({ exit });
  // A task that completed must not run again because its worker froze or died before telling.
  if (status.code === 0 && status.signal === null && endReporting) void handOffEnd(startedAtMs, Date.now()).finally(exitWhenClean);
  else exitWhenClean();
}

function killGroup(): void {
  if (pid === undefined) return;
  // Also what left the group (setsid) but not the cgroup.
  if (cgroupDir) killCgroup(cgroupDir);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/** Set once the fence command runs; settles when it is done (or out of time). */
let fencing: Promise<void> | undefined;

/** The worker is gone or lost its lease: the attempt ends now, whatever it is doing. */
function fence(): void {
  if (exited) return;
  if (pid === undefined) {
    // Still starting: fence as soon as it exists.
    child.once('spawn', fence);
    return;
  }
  killGroup();
  if (fenceExec && !fencing) fencing = runFence(fenceExec);
}

async function runFence([command, ...commandArgs]: string[]): Promise<void> {
  const deadline = Date.now() + FENCE_BOUND_MS;
  for (let tries = 1; ; tries++) {
    const ok = await new Promise<boolean>((resolve) => {
      const run = spawn(command!, commandArgs, { stdio: 'ignore', timeout: Math.max(1, deadline - Date.now()), killSignal: 'SIGKILL' });
      run.once('error', () => resolve(false));
      run.once('exit', (code) => resolve(code === 0));
    });
    // A failure may be a container not created yet, or a daemon that is busy: try again a little.
    if (ok || tries >= FENCE_TRIES || Date.now() + 1_000 >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

process.stdin.on('data', renewLease);
process.stdin.once('close', onLifelineLost);
process.stdin.once('end', onLifelineLost);
process.stdin.once('error', onLifelineLost);

function onLifelineLost(): void {
  if (lifelineLost) return;
  lifelineLost = true;
  fence();
}
