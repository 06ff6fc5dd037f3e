// The tiny supervisor between the worker and one attempt:
//   node supervisor-main.js EXIT_FILE LEASE_MS -- PROGRAM ARGS...
// It starts the task as the leader of its own process group, and
// - when the worker dies (its stdin, the worker's lifeline pipe, reaches end of file) it kills the
//   whole group at once: a task never outlives its worker (prctl PDEATHSIG is not reachable from
//   Node; this is the portable equivalent);
// - when the worker stops renewing its lease (a byte on stdin at least every LEASE_MS; 0: no lease)
//   it kills the group too: a worker that lost the controller, or hangs, cannot keep its attempts
//   alive past the moment the controller may start them elsewhere;
// - when the task ends it writes EXIT_FILE ({code, signal, lifeline_lost}) before exiting, so the
//   attempt's end survives a worker that dies before reporting it.
// fd 3 carries JSON lines to the worker: {"pid": N} once the task runs, {"error": "..."} if it
// cannot start, {"exit": {...}} when it ends. The worker signals the task's group itself (kill,
// timeout); the supervisor is outside that group, so it always lives to record the end.
import { spawn } from 'node:child_process';
import { renameSync, writeFileSync, writeSync } from 'node:fs';

const [exitFile, leaseArg, separator, program, ...args] = process.argv.slice(2);
const leaseMs = Number(leaseArg);
if (!exitFile || !Number.isInteger(leaseMs) || leaseMs < 0 || separator !== '--' || !program) {
  process.stderr.write('usage: supervisor-main EXIT_FILE LEASE_MS -- PROGRAM [ARGS...]\n');
  process.exit(2);
}

function tell(message: unknown): void {
  try {
    writeSync(3, `${JSON.stringify(message)}\n`);
  } catch {
    // The worker is gone; the exit file still records the end.
  }
}

// Terminal signals reach the worker's whole foreground group; only the lifeline decides here.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) process.on(sig, () => undefined);

const child = spawn(program, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
let lifelineLost = false;
let leaseExpired = false;
let lease: NodeJS.Timeout | undefined;
function renewLease(): void {
  if (leaseMs === 0 || leaseExpired) return;
  if (lease) lease.refresh();
  else
    lease = setTimeout(() => {
      leaseExpired = true;
      if (pid === undefined) child.once('spawn', () => killGroup());
      else killGroup();
    }, leaseMs);
}
renewLease();
let pid: number | undefined;

child.once('spawn', () => {
  pid = child.pid;
  tell({ pid });
});
child.once('error', (err) => {
  tell({ error: err.message });
  process.exit(127);
});
child.once('exit', (code, signal) => {
  if (lease) clearTimeout(lease);
  const exit = { code, signal, lifeline_lost: lifelineLost, lease_expired: leaseExpired };
  // Descendants left in the group (a backgrounded process) end with the attempt.
  killGroup();
  const tmp = `${exitFile}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(exit)}\n`);
    renameSync(tmp, exitFile);
  } catch (err) {
    process.stderr.write(`iris supervisor: cannot record the attempt's end in ${exitFile}: ${(err as Error).message}\n`);
  }
  tell({ exit });
  process.exit(0);
});

function killGroup(): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left in the group.
  }
}

process.stdin.on('data', renewLease);
process.stdin.once('close', onLifelineLost);
process.stdin.once('end', onLifelineLost);
process.stdin.once('error', onLifelineLost);

function onLifelineLost(): void {
  if (lifelineLost) return;
  lifelineLost = true;
  if (pid === undefined) {
    // Still starting: kill it as soon as it exists.
    child.once('spawn', () => killGroup());
    return;
  }
  killGroup();
}
