import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '@iris/core';
import type { AttemptStart } from '@iris/core/api';
import { CGROUPS_ENV, cgroup2Mount, cgroupName, inCgroupArgv, makeAttemptCgroup, removeEmptyDir, workerCgroups } from './cgroup.js';
import { ProcessRuntime } from './process-runtime.js';
import { reapOrphans } from './reap-orphans.js';

// Real processes and the machine's real cgroup v2 hierarchy. Every wait polls a condition with a
// deadline of 60 s: CI runs many projects at once on two cores.

const root = realpathSync(mkdtempSync(join(tmpdir(), 'iris-cgroup-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const probe = workerCgroups({ workerId: 'probe', workDir: join(root, 'probe'), env: {} });
const unusable = 'unusable' in probe ? probe.unusable : undefined;
/** <v2 mount>/iris, where workers' dirs are. */
const irisDir = 'dir' in probe ? dirname(probe.dir) : '';

/** Processes this file started and must not leave behind. */
const strays: number[] = [];
const standIns: ChildProcess[] = [];
afterEach(() => {
  for (const s of standIns.splice(0)) s.kill('SIGKILL');
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`not in ${ms / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Gone, or a zombie nobody reaps (PID 1 of a container may not): dead either way. */
function dead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

function pidIn(file: string): number | undefined {
  const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  return text === '' ? undefined : Number(text);
}

function start(command: string[], over: Partial<AttemptStart> = {}): AttemptStart {
  return {
    task_id: '/cg/run/0',
    attempt: 1,
    job: '/cg/run',
    task_index: 0,
    num_tasks: 1,
    command,
    env: {},
    ports: [],
    resources: { cpu: 0, memory_bytes: 0, disk_bytes: 0 },
    ...over,
  };
}

/** A shell line that leaves a descendant in a session of its own (setsid), its pid in `file`. */
function escapee(file: string): string {
  return `setsid sh -c 'echo $$ > "${file}"; exec sleep 1000' &`;
}

const distRuntime = fileURLToPath(new URL('../../dist/runtime/', import.meta.url));
const distCore = fileURLToPath(new URL('../../../core/dist/index.js', import.meta.url));

/**
 * A worker stand-in: a process that runs one attempt through the built ProcessRuntime (with cgroups
 * as `workerCgroups` decides from its environment) and then only waits, to be SIGKILLed.
 */
function startStandIn(dir: string, command: string[], env: Record<string, string | undefined>): ChildProcess {
  const script = `
    import { workerCgroups } from ${JSON.stringify(join(distRuntime, 'cgroup.js'))};
    import { ProcessRuntime } from ${JSON.stringify(join(distRuntime, 'process-runtime.js'))};
    import { SystemClock } from ${JSON.stringify(distCore)};
    const cgroups = workerCgroups({ workerId: 'stand-in', workDir: ${JSON.stringify(dir)}, env: process.env });
    const rt = new ProcessRuntime({ clock: new SystemClock(), killGraceMs: 1000, ...('dir' in cgroups ? { cgroupDir: cgroups.dir } : {}) });
    await rt.start({ start: ${JSON.stringify(start(command))}, workDir: ${JSON.stringify(dir)} }, { workerId: 'stand-in', controllerUrl: 'http://127.0.0.1:9' }, () => {});
    setInterval(() => {}, 60_000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env, stdio: 'ignore' });
  standIns.push(child);
  return child;
}

describe('cgroup helpers', () => {
  it('finds the cgroup v2 mount of a hybrid or a pure v2 layout', () => {
    const hybrid = [
      '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
      '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
      '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n');
    expect(cgroup2Mount(hybrid)).toBe('/sys/fs/cgroup/unified');
    expect(cgroup2Mount('29 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate')).toBe('/sys/fs/cgroup');
    expect(cgroup2Mount('29 23 0:26 / /mnt/my\\040cg rw - cgroup2 none rw')).toBe('/mnt/my cg');
    expect(cgroup2Mount('32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu')).toBeUndefined();
  });

  it('names cgroups after ids without slashes, unique per id', () => {
    expect(cgroupName('/team/run/2')).toMatch(/^team_run_2-[0-9a-f]{8}$/);
    expect(cgroupName('/a/b')).not.toBe(cgroupName('/a_b'));
    expect(cgroupName('..')).toMatch(/^x-[0-9a-f]{8}$/);
  });

  it(`falls back to process groups when turned off (${CGROUPS_ENV}=off) or when there is no v2 hierarchy`, () => {
    expect(workerCgroups({ workerId: 'w', workDir: root, env: { [CGROUPS_ENV]: 'off' } })).toEqual({ unusable: `turned off by ${CGROUPS_ENV}=off` });
    const v1Only = '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu';
    expect(workerCgroups({ workerId: 'w', workDir: root, env: {}, mountinfo: v1Only })).toEqual({ unusable: 'no cgroup v2 hierarchy is mounted' });
    const unwritable = '41 31 0:38 / /proc/version rw - cgroup2 cgroup2 rw';
    expect(workerCgroups({ workerId: 'w', workDir: root, env: {}, mountinfo: unwritable })).toMatchObject({ unusable: expect.stringMatching(/cannot create/) });
  });

  it('starts a program directly (its own errors) when it cannot be found or env would misread it', () => {
    const env = { PATH: process.env['PATH'], 'A.B': '1' };
    expect(inCgroupArgv('/cg', 'sleep', ['1'], env, root)).toEqual([
      '/bin/sh',
      '-c',
      expect.any(String),
      'sh',
      '/cg',
      `PATH=${env.PATH}`,
      'A.B=1',
      'sleep',
      '1',
    ]);
    expect(inCgroupArgv('/cg', '/no/such/program', [], env, root)).toBeUndefined();
    expect(inCgroupArgv('/cg', 'sleep', [], {}, root)).toBeUndefined();
    expect(inCgroupArgv('/cg', 'X=1', [], env, root)).toBeUndefined();
  });
});

describe.skipIf(unusable !== undefined)(`attempts in cgroups${unusable ? ` (SKIPPED: cgroup v2 not usable here: ${unusable})` : ''}`, () => {
  it('a descendant that left the process group (setsid) dies with a SIGKILLed worker', async () => {
    const dir = realpathSync(mkdtempSync(join(root, 'lost-')));
    const escFile = join(dir, 'esc');
    const standIn = startStandIn(dir, ['sh', '-c', `${escapee(escFile)} echo $$ > "${join(dir, 'task')}"; exec sleep 1000`], process.env);
    await until('the task and its setsid descendant run', () => pidIn(escFile) !== undefined && pidIn(join(dir, 'task')) !== undefined);
    const esc = pidIn(escFile)!;
    const task = pidIn(join(dir, 'task'))!;
    strays.push(esc, task);
    const inCgroup = /^0::.*(\/iris\/stand-in-[^/]+\/[^/\n]+)$/m.exec(readFileSync(`/proc/${esc}/cgroup`, 'utf8'))?.[1];
    expect(inCgroup).toBeDefined();
    const attemptCgroup = join(irisDir, '..', inCgroup!);
    expect(existsSync(attemptCgroup)).toBe(true);
    standIn.kill('SIGKILL');
    await until('the task is killed with its worker', () => dead(task));
    await until('the setsid descendant is killed too', () => dead(esc));
    await until('the supervisor removes the attempt cgroup', () => !existsSync(attemptCgroup));
    removeEmptyDir(dirname(attemptCgroup));
  }, 150_000);

  it('kills a descendant left behind by a task that exited 0, and removes the attempt cgroup', async () => {
    const dir = realpathSync(mkdtempSync(join(root, 'left-')));
    const workerDir = join(irisDir, `test-${basename(dir)}`);
    const rt = new ProcessRuntime({ clock: new SystemClock(), killGraceMs: 1000, cgroupDir: workerDir });
    const escFile = join(dir, 'esc');
    const a = await rt.start(
      { start: start(['sh', '-c', `${escapee(escFile)} while [ ! -s "${escFile}" ]; do sleep 0.05; done; exit 0`]), workDir: dir },
      { workerId: 'w-left', controllerUrl: 'http://127.0.0.1:9' },
      () => {},
    );
    const exit = await a.exited;
    const esc = pidIn(escFile)!;
    strays.push(esc);
    expect(exit).toMatchObject({ exitCode: 0, error: undefined });
    await until('the setsid descendant is killed', () => dead(esc));
    await until(
      'the attempt cgroup (and the emptied worker dir) is removed',
      () => !existsSync(join(workerDir, `${cgroupName('/cg/run/0')}.1`)) && !existsSync(workerDir),
    );
  }, 150_000);

  it("a lease that runs out, and the worker's own SIGKILL, also reach a setsid'ed descendant", async () => {
    const dir = realpathSync(mkdtempSync(join(root, 'fence-')));
    const workerDir = join(irisDir, `test-${basename(dir)}`);
    const rt = new ProcessRuntime({ clock: new SystemClock(), killGraceMs: 1000, cgroupDir: workerDir });
    const context = { workerId: 'w-fence', controllerUrl: 'http://127.0.0.1:9' };
    // Not renewed: the supervisor fences the attempt once the lease is out.
    const leased = join(dir, 'leased');
    const a = await rt.start({ start: start(['sh', '-c', `${escapee(leased)} exec sleep 1000`]), workDir: dir, leaseMs: 3_000 }, context, () => {});
    // Renewed until the descendant runs, however slow the machine.
    const renewing = setInterval(() => rt.renewLeases(), 200);
    await until('the descendant runs', () => pidIn(leased) !== undefined).finally(() => clearInterval(renewing));
    strays.push(pidIn(leased)!);
    expect(await a.exited).toMatchObject({ fenced: true, signal: 'SIGKILL' });
    await until('the fenced descendant is killed', () => dead(pidIn(leased)!));
    // Killed by the worker at once (a fence of its own, or the SIGKILL after a kill's grace).
    const killed = join(dir, 'killed');
    const b = await rt.start({ start: start(['sh', '-c', `${escapee(killed)} exec sleep 1000`], { attempt: 2 }), workDir: dir }, context, () => {});
    await until('the descendant runs', () => pidIn(killed) !== undefined);
    strays.push(pidIn(killed)!);
    expect(await b.kill('stop', { immediate: true })).toMatchObject({ killed: true, signal: 'SIGKILL' });
    await until('the killed descendant is killed', () => dead(pidIn(killed)!));
    await until('the attempt cgroups and the worker dir are removed', () => !existsSync(workerDir));
  }, 150_000);

  it(`with ${CGROUPS_ENV}=off runs as before: the task dies with its worker, a setsid descendant does not`, async () => {
    const dir = realpathSync(mkdtempSync(join(root, 'off-')));
    const escFile = join(dir, 'esc');
    const standIn = startStandIn(dir, ['sh', '-c', `${escapee(escFile)} echo $$ > "${join(dir, 'task')}"; exec sleep 1000`], {
      ...process.env,
      [CGROUPS_ENV]: 'off',
    });
    await until('the task and its setsid descendant run', () => pidIn(escFile) !== undefined && pidIn(join(dir, 'task')) !== undefined);
    const esc = pidIn(escFile)!;
    const task = pidIn(join(dir, 'task'))!;
    strays.push(esc, task);
    expect(readFileSync(`/proc/${task}/cgroup`, 'utf8')).not.toMatch(/^0::\/iris\//m);
    standIn.kill('SIGKILL');
    await until('the task is killed with its worker', () => dead(task));
    // What cgroups fix: only the process group was killed, and the descendant had left it.
    expect(dead(esc)).toBe(false);
  }, 150_000);

  it('reapOrphans kills and removes an attempt cgroup a previous life of the worker left', async () => {
    const dir = realpathSync(mkdtempSync(join(root, 'reap-')));
    const workerDir = join(irisDir, `test-${basename(dir)}`);
    const leftover = makeAttemptCgroup(workerDir, '/cg/left/0', 2)!;
    expect(leftover).toBeDefined();
    // In a session of its own, as a setsid'ed descendant would be.
    const sleeper = spawn('sleep', ['1000'], { stdio: 'ignore', detached: true });
    strays.push(sleeper.pid!);
    writeFileSync(join(leftover, 'cgroup.procs'), String(sleeper.pid));
    expect(readFileSync(join(leftover, 'cgroup.procs'), 'utf8').trim()).toBe(String(sleeper.pid));
    expect(reapOrphans(join(dir, 'pids'), workerDir)).toEqual([]);
    await until('the leftover process is killed', () => sleeper.exitCode !== null || sleeper.signalCode !== null);
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(workerDir)).toBe(false);
  }, 150_000);
});
