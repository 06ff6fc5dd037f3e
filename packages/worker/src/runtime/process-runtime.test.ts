import { existsSync, mkdtempSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, hasErrorCode, SystemClock } from '@iris/core';
import { type AttemptStart, type LogStream } from '@iris/core/api';
import { ATTEMPT_START_FAILED, ProcessRuntime } from './process-runtime.js';
import { reapOrphans } from './reap-orphans.js';
import type { RunningAttempt } from './types.js';

const context = { workerId: 'w-1', controllerUrl: 'http://127.0.0.1:9' };

function start(command: string[], over: Partial<AttemptStart> = {}): AttemptStart {
  return {
    task_id: '/team/run/2',
    attempt: 3,
    job: '/team/run',
    task_index: 2,
    num_tasks: 4,
    command,
    env: { MY_VAR: 'hello' },
    ports: [],
    resources: { cpu: 0, memory_bytes: 0, disk_bytes: 0 },
    ...over,
  };
}

function collector(): { lines: Array<[LogStream, string]>; sink: (s: LogStream, l: string) => void } {
  const lines: Array<[LogStream, string]> = [];
  return { lines, sink: (s, l) => lines.push([s, l]) };
}

/** Polls until `cond` holds (bounded): used to wait for a child to print that it is ready. */
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const running: RunningAttempt[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.kill('test over')));
});

describe('ProcessRuntime', () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'iris-rt-')));

  it('runs the command in the work dir with the task environment', async () => {
    const rt = new ProcessRuntime({ clock: new SystemClock(), killGraceMs: 1000, baseEnv: { PATH: process.env['PATH'], IRIS_TOKEN: 'secret-xyz' } });
    const { lines, sink } = collector();
    const a = await rt.start(
      {
        start: start(['sh', '-c', 'pwd; env | grep -E "^(IRIS_|MY_VAR)" | sort'], { ports: ['http', 'grpc-api'] }),
        workDir: dir,
      },
      context,
      sink,
    );
    const exit = await a.exited;
    expect(exit).toEqual({ exitCode: 0, signal: undefined, timedOut: false, killed: false, error: undefined });
    const out = lines.map(([, l]) => l);
    expect(out[0]).toBe(dir);
    expect(out).toContain('IRIS_JOB=/team/run');
    expect(out).toContain('IRIS_TASK_INDEX=2');
    expect(out).toContain('IRIS_TASK_ID=/team/run/2');
    expect(out).toContain('IRIS_ATTEMPT=3');
    expect(out).toContain('IRIS_WORKER_ID=w-1');
    expect(out).toContain('IRIS_CONTROLLER=http://127.0.0.1:9');
    expect(out).toContain('MY_VAR=hello');
    expect(out).toContain(`IRIS_PORT_HTTP=${a.ports['http']}`);
    expect(out).toContain(`IRIS_PORT_GRPC_API=${a.ports['grpc-api']}`);
    expect(a.ports['http']).not.toBe(a.ports['grpc-api']);
    expect(out.some((l) => l.includes('secret-xyz'))).toBe(false);
  });

  it('splits stdout and stderr into lines, keeping a last line without newline', async () => {
    const rt = new ProcessRuntime({ clock: new SystemClock(), killGraceMs: 1000 });
    const { lines, sink } = collector();
    const a = await rt.start({ start: start(['sh', '-c', 'printf "a\\nb\\r\\n"; printf "e1\\n" >&2; printf tail']), workDir: dir }, context, sink);
    await a.exited;
    expect(lines.filter(([s]) => s === 'stdout').map(([, l]) => l)).toEqual(['a', 'b', 'tail']);
    expect(lines.filter(([s]) => s === 'stderr').map(([, l]) => l)).toEqual(['e1']);
  });

  it('reports a failing exit code with the last stderr line', async () => {
    const rt = new ProcessRuntime({ clock: new SystemClock(), killGraceMs: 1000 });
    const a = await rt.start({ start: start(['sh', '-c', 'echo boom >&2; exit 7']), workDir: dir }, context, () => {});
    expect(await a.exited).toEqual({ exitCode: 7, signal: undefined, timedOut: false, killed: false, error: 'exit code 7: boom' });
  });

  it('reports death by a signal', async () => {
    const rt = new ProcessRuntime({ clock: new SystemClock(), killGraceMs: 1000 });
    const a = await rt.start({ start: start(['sh', '-c', 'kill -9 $$']), workDir: dir }, context, () => {});
    const exit = await a.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(exit.exitCode).toBeUndefined();
    expect(exit.error).toMatch(/killed by SIGKILL/);
  });

  it('rejects a program that does not exist with a stable code', async () => {
    const rt = new ProcessRuntime({ clock: new SystemClock(), killGraceMs: 1000 });
    const err = await rt.start({ start: start(['/no/such/program']), workDir: dir }, context, () => {}).catch((e: unknown) => e);
    expect(hasErrorCode(err, ATTEMPT_START_FAILED)).toBe(true);
    expect((err as Error).message).toContain('/no/such/program');
  });

  it('kills the whole group with SIGTERM when asked', async () => {
    const clock = new FakeClock();
    const rt = new ProcessRuntime({ clock, killGraceMs: 5000 });
    const { lines, sink } = collector();
    // The backgrounded sleep is a grandchild: it must die with the group.
    const a = await rt.start({ start: start(['sh', '-c', 'sleep 60 & echo ready; wait']), workDir: dir }, context, sink);
    running.push(a);
    await until(() => lines.length > 0);
    const exit = await a.kill('job killed by user');
    expect(exit).toMatchObject({ signal: 'SIGTERM', killed: true, timedOut: false, error: 'job killed by user' });
  });

  it('escalates to SIGKILL after the grace when SIGTERM is ignored', async () => {
    const clock = new FakeClock();
    const rt = new ProcessRuntime({ clock, killGraceMs: 5000 });
    const { lines, sink } = collector();
    const a = await rt.start(
      { start: start(['sh', '-c', 'trap "echo got-term" TERM; echo ready; while true; do sleep 0.05; done']), workDir: dir },
      context,
      sink,
    );
    running.push(a);
    await until(() => lines.length > 0);
    let settled = false;
    const exited = a.kill('stop').then((e) => ((settled = true), e));
    await until(() => lines.some(([, l]) => l === 'got-term'));
    expect(settled).toBe(false);
    await clock.advance(5000);
    const exit = await exited;
    expect(exit).toMatchObject({ signal: 'SIGKILL', killed: true });
  });

  it('times out an attempt at its per-task timeout', async () => {
    const clock = new FakeClock();
    const rt = new ProcessRuntime({ clock, killGraceMs: 5000 });
    const { lines, sink } = collector();
    const a = await rt.start({ start: start(['sh', '-c', 'echo ready; exec sleep 60'], { timeout_ms: 30_000 }), workDir: dir }, context, sink);
    running.push(a);
    await until(() => lines.length > 0);
    await clock.advance(29_999);
    await clock.advance(1);
    const exit = await a.exited;
    expect(exit).toMatchObject({ timedOut: true, killed: false, signal: 'SIGTERM', error: 'Timeout exceeded (30s)' });
  });

  it('records live attempts in the pid dir and reaps orphans of a previous life', async () => {
    const pidDir = join(dir, 'pids');
    const rt = new ProcessRuntime({ clock: new SystemClock(), killGraceMs: 1000, pidDir });
    const { lines, sink } = collector();
    const a = await rt.start({ start: start(['sh', '-c', 'echo ready; exec sleep 60']), workDir: dir }, context, sink);
    running.push(a);
    await until(() => lines.length > 0);
    expect(readdirSync(pidDir)).toEqual([`${encodeURIComponent('/team/run/2')}.3.pid`]);
    expect(reapOrphans(pidDir)).toHaveLength(1);
    const exit = await a.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(readdirSync(pidDir)).toEqual([]);
    expect(reapOrphans(join(dir, 'missing'))).toEqual([]);
    expect(existsSync(pidDir)).toBe(true);
  });
});

describe('reapOrphans', () => {
  it('leaves alone a process whose id was reused by something that is not the attempt', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'iris-reap-')));
    const { spawn } = await import('node:child_process');
    const stranger = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, `${encodeURIComponent('/team/run/0')}.0.pid`), String(stranger.pid));
      expect(reapOrphans(dir)).toEqual([]);
      expect(stranger.exitCode).toBeNull();
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      stranger.kill('SIGKILL');
    }
  });
});

describe('ProcessRuntime with tasks that end at once', () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'iris-rt-fast-')));

  // The supervisor's exit can be seen before the line that says the task started: such a task
  // once failed as "the supervisor exited (0) before the task started" (1 in ~40 under load).
  it('starts and finishes 60 concurrent tasks that exit immediately, each with its own exit code', async () => {
    const rt = new ProcessRuntime({ clock: new SystemClock(), killGraceMs: 1000, baseEnv: { PATH: process.env['PATH'] } });
    const exits = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const a = await rt.start({ start: start(['sh', '-c', `exit ${i % 3}`], { task_id: `/fast/${i}`, attempt: 1 }), workDir: dir }, context, () => {});
        return (await a.exited).exitCode;
      }),
    );
    expect(exits).toEqual(Array.from({ length: 60 }, (_, i) => i % 3));
  }, 120_000);
});
