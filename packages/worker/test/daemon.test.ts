import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, SystemClock, type Clock } from '@iris/core';
import { IrisClient, type AttemptStart } from '@iris/core/api';
import { BundleCache } from '../src/bundle/bundle-cache.js';
import { Backoff } from '../src/daemon/backoff.js';
import { stderrLogger } from '../src/daemon/stderr-logger.js';
import { FENCE_FRACTION, WorkerDaemon } from '../src/daemon/worker-daemon.js';
import type { WorkerFacts } from '../src/probe/env-probe.js';
import { ProcessRuntime } from '../src/runtime/process-runtime.js';
import { makeBundle } from './helpers/make-bundle.js';
import { ScriptedController } from './helpers/scripted-controller.js';

const TOKEN = 'tok-very-secret-1234';
const facts: WorkerFacts = {
  hostname: 'h',
  address: '10.0.0.9',
  cpu: 4,
  memoryBytes: 8 * 2 ** 30,
  diskFreeBytes: 2 ** 40,
  accelerator: { type: 'tpu', variant: 'v5litepod-8', count: 8, devices: [] },
  attributes: { 'tpu-name': 's1' },
};

function attempt(taskId: string, n: number, command: string[], over: Partial<AttemptStart> = {}): AttemptStart {
  const slash = taskId.lastIndexOf('/');
  return {
    task_id: taskId,
    attempt: n,
    job: taskId.slice(0, slash),
    task_index: Number(taskId.slice(slash + 1)),
    num_tasks: 1,
    command,
    env: {},
    ports: [],
    resources: { cpu: 0, memory_bytes: 0, disk_bytes: 0 },
    ...over,
  };
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Moves the fake clock forward in steps (letting real I/O in between) until `cond` holds. */
async function driveUntil(clock: FakeClock, cond: () => boolean, stepMs = 500, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await clock.advance(stepMs);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: { clock?: Clock; random?: () => number } = {}) {
  const ctl = new ScriptedController();
  const url = await ctl.listen();
  const dir = mkdtempSync(join(tmpdir(), 'iris-daemon-'));
  const clock = options.clock ?? new SystemClock();
  const logLines: string[] = [];
  const api = new IrisClient({ baseUrl: url, token: TOKEN });
  const daemon = new WorkerDaemon({
    api,
    clock,
    logger: stderrLogger({ write: (l) => void logLines.push(l) }),
    workerId: 'worker-a',
    controllerUrl: url,
    facts,
    runtime: new ProcessRuntime({ clock, killGraceMs: 2_000, pidDir: join(dir, 'pids') }),
    bundles: new BundleCache(join(dir, 'bundles'), (sha) => api.downloadBundle(sha)),
    scratchDir: join(dir, 'scratch'),
    backoff: new Backoff(200, 10_000, options.random ?? (() => 1)),
    logs: { flushMs: 50, maxBatch: 1000, maxBuffered: 10_000 },
  });
  cleanups.push(async () => {
    ctl.failing = false;
    await daemon.stop();
    await ctl.close();
  });
  return { ctl, daemon, dir, logLines, url };
}

describe('WorkerDaemon against a controller on loopback', () => {
  it('keeps an attempt that outlasts the fence alive while the controller holds its long polls', async () => {
    // The production fence against a controller that holds every reconcile as long as asked: an
    // idle worker is silent between answers, and that must never look like a lost controller.
    const { ctl, daemon } = await setup();
    ctl.workerTimeoutMs = 8_000;
    daemon.start();
    await until(() => ctl.reconciles.length > 0);
    ctl.queueStart(attempt('/long/0', 0, ['sleep', '12']));
    await until(() => ctl.lastReport('/long/0', 0)?.state === 'RUNNING');
    await until(() => ['SUCCEEDED', 'FAILED', 'WORKER_FAILED', 'KILLED'].includes(ctl.lastReport('/long/0', 0)?.state ?? ''), 60_000);
    expect(ctl.lastReport('/long/0', 0)).toMatchObject({ state: 'SUCCEEDED', exit_code: 0 });
    // No poll asked to be held longer than a quarter of the worker timeout.
    const waits = ctl.reconciles.map((r) => r.wait_ms ?? 0);
    expect(Math.max(...waits)).toBe(2_000);
  }, 90_000);

  it('registers its probed facts with the token', async () => {
    const { ctl, daemon } = await setup();
    daemon.start();
    await until(() => ctl.reconciles.length > 0);
    expect(ctl.registrations[0]).toEqual({
      worker_id: 'worker-a',
      address: '10.0.0.9',
      resources: { cpu: 4, memory_bytes: 8 * 2 ** 30, disk_bytes: 2 ** 40 },
      accelerators: [{ type: 'tpu', variant: 'v5litepod-8', count: 8 }],
      attributes: { 'tpu-name': 's1' },
      attempts: [],
    });
    expect(ctl.authHeaders.every((h) => h === `Bearer ${TOKEN}`)).toBe(true);
    expect(daemon.status).toBe('registered');
  });

  it('runs an attempt, streams its logs, reports RUNNING then SUCCEEDED, and drops it once acknowledged', async () => {
    const { ctl, daemon } = await setup();
    daemon.start();
    await until(() => ctl.reconciles.length > 0);
    ctl.queueStart(attempt('/j/0', 0, ['sh', '-c', 'echo out-$IRIS_TASK_ID; echo err >&2; read x < /dev/null; sleep 0.2']));
    await until(() => ctl.lastReport('/j/0', 0)?.state === 'RUNNING');
    await until(() => ctl.lastReport('/j/0', 0)?.state === 'SUCCEEDED');
    const end = ctl.lastReport('/j/0', 0)!;
    expect(end).toEqual({
      task_id: '/j/0',
      attempt: 0,
      state: 'SUCCEEDED',
      exit_code: 0,
      started_at_ms: expect.any(Number),
      finished_at_ms: expect.any(Number),
    });
    // The worker says when the process really ran, so even a fast task has a start time.
    expect(end.finished_at_ms!).toBeGreaterThanOrEqual(end.started_at_ms!);
    // Logs reach the controller before the end is reported.
    expect(ctl.logs.map((l) => `${l.stream}:${l.line}`)).toEqual(['stdout:out-/j/0', 'stderr:err']);
    await until(() => daemon.heldAttempts().length === 0);
    // A duplicate start of a finished attempt is ignored.
    const before = ctl.reconciles.length;
    ctl.queueStart(attempt('/j/0', 0, ['sh', '-c', 'echo again']));
    await until(() => ctl.reconciles.length > before);
    expect(daemon.heldAttempts()).toEqual([]);
    expect(ctl.logs.some((l) => l.line === 'again')).toBe(false);
  });

  it('reports failures with exit code and error, and start failures as FAILED', async () => {
    const { ctl, daemon } = await setup();
    daemon.start();
    await until(() => ctl.reconciles.length > 0);
    ctl.queueStart(attempt('/f/0', 0, ['sh', '-c', 'echo bad >&2; exit 3']));
    ctl.queueStart(attempt('/f/1', 0, ['/does/not/exist']));
    await until(() => ctl.lastReport('/f/0', 0)?.state === 'FAILED' && ctl.lastReport('/f/1', 0)?.state === 'FAILED');
    expect(ctl.lastReport('/f/0', 0)).toMatchObject({ exit_code: 3, error: 'exit code 3: bad' });
    expect(ctl.lastReport('/f/1', 0)?.error).toContain('/does/not/exist');
    expect(ctl.logs.some((l) => l.task_id === '/f/1' && l.stream === 'error')).toBe(true);
  });

  it('kills an attempt when told, and supersedes an older attempt of the same task', async () => {
    const { ctl, daemon } = await setup();
    daemon.start();
    await until(() => ctl.reconciles.length > 0);
    ctl.queueStart(attempt('/k/0', 0, ['sleep', '60']));
    ctl.queueStart(attempt('/k/1', 0, ['sleep', '60']));
    await until(() => ctl.lastReport('/k/0', 0)?.state === 'RUNNING' && ctl.lastReport('/k/1', 0)?.state === 'RUNNING');
    ctl.queueKill({ task_id: '/k/0', attempt: 0, reason: 'job killed' });
    await until(() => ctl.lastReport('/k/0', 0)?.state === 'KILLED');
    expect(ctl.lastReport('/k/0', 0)).toMatchObject({ signal: 'SIGTERM', error: 'job killed' });
    ctl.queueStart(attempt('/k/1', 1, ['sleep', '60']));
    await until(() => ctl.lastReport('/k/1', 0)?.state === 'KILLED');
    expect(ctl.lastReport('/k/1', 0)?.error).toBe('superseded by attempt 1');
    await until(() => ctl.lastReport('/k/1', 1)?.state === 'RUNNING');
  });

  it('runs the attempt in its bundle, fetched once through the API and verified', async () => {
    const { ctl, daemon } = await setup();
    const { bytes, sha } = await makeBundle({ 'hello.txt': 'from the bundle' });
    ctl.bundles.set(sha, bytes);
    daemon.start();
    await until(() => ctl.reconciles.length > 0);
    ctl.queueStart(attempt('/b/0', 0, ['cat', 'hello.txt'], { bundle_id: sha }));
    ctl.queueStart(attempt('/b/1', 0, ['cat', 'hello.txt'], { bundle_id: 'f'.repeat(64) }));
    await until(() => ctl.lastReport('/b/0', 0)?.state === 'SUCCEEDED' && ctl.lastReport('/b/1', 0)?.state === 'FAILED');
    expect(ctl.logs.find((l) => l.task_id === '/b/0')?.line).toBe('from the bundle');
    expect(ctl.lastReport('/b/1', 0)?.error).toMatch(/bundle|not found/i);
  });

  it('gives every attempt a fresh copy of the bundle: a task that deletes or rewrites its files breaks no later attempt', async () => {
    const { ctl, daemon, dir } = await setup();
    const { bytes, sha } = await makeBundle({ 'data.txt': 'pristine' });
    ctl.bundles.set(sha, bytes);
    daemon.start();
    await until(() => ctl.reconciles.length > 0);
    const vandal = ['sh', '-c', 'cat data.txt; echo changed > data.txt; rm data.txt; touch junk'];
    ctl.queueStart(attempt('/v/0', 0, vandal, { bundle_id: sha }));
    await until(() => ctl.lastReport('/v/0', 0)?.state === 'SUCCEEDED');
    ctl.queueStart(attempt('/v/1', 0, vandal, { bundle_id: sha }));
    await until(() => ctl.lastReport('/v/1', 0)?.state === 'SUCCEEDED');
    expect(ctl.logs.filter((l) => l.task_id.startsWith('/v/')).map((l) => l.line)).toEqual(['pristine', 'pristine']);
    expect(readFileSync(join(dir, 'bundles', sha, 'data.txt'), 'utf8')).toBe('pristine');
  });

  it('kills an attempt still fetching its bundle without ever starting it', async () => {
    const { ctl, daemon } = await setup();
    let open: () => void = () => undefined;
    ctl.bundleGate = new Promise<void>((r) => (open = r));
    const { bytes, sha } = await makeBundle({ 'x.txt': 'x' });
    ctl.bundles.set(sha, bytes);
    daemon.start();
    await until(() => ctl.reconciles.length > 0);
    ctl.queueStart(attempt('/bk/0', 0, ['sh', '-c', 'echo should-not-run'], { bundle_id: sha }));
    await until(() => ctl.lastReport('/bk/0', 0)?.state === 'BUILDING');
    ctl.queueKill({ task_id: '/bk/0', attempt: 0, reason: 'job killed while building' });
    await until(() => ctl.reconciles.length > 0 && daemon.heldAttempts()[0]?.state === 'BUILDING');
    open();
    await until(() => ctl.lastReport('/bk/0', 0)?.state === 'KILLED');
    expect(ctl.lastReport('/bk/0', 0)?.error).toBe('job killed while building');
    expect(ctl.logs.some((l) => l.line === 'should-not-run')).toBe(false);
  });

  it('registers again, with its live attempts, when the controller forgets it', async () => {
    const { ctl, daemon } = await setup();
    daemon.start();
    await until(() => ctl.reconciles.length > 0);
    ctl.queueStart(attempt('/r/0', 0, ['sleep', '60']));
    await until(() => ctl.lastReport('/r/0', 0)?.state === 'RUNNING');
    ctl.known.clear();
    ctl.queueKill({ task_id: '/nothing/0', attempt: 0, reason: 'wakes the held poll' });
    await until(() => ctl.registrations.length === 2);
    expect(ctl.registrations[1]?.attempts).toEqual([{ task_id: '/r/0', attempt: 0, state: 'RUNNING', started_at_ms: expect.any(Number) }]);
    await until(() => daemon.registrationCount === 2);
  });

  it('backs off while the controller fails, fences its attempts before the worker timeout, and never logs the token', async () => {
    const clock = new FakeClock();
    const { ctl, daemon, logLines } = await setup({ clock });
    ctl.workerTimeoutMs = 10_000;
    daemon.start();
    await until(() => ctl.reconciles.length > 0);
    ctl.queueStart(attempt('/o/0', 0, ['sleep', '60']));
    await until(() => ctl.lastReport('/o/0', 0)?.state === 'RUNNING');
    const fencedFrom = clock.now();
    ctl.failing = true;
    ctl.queueKill({ task_id: '/nothing/0', attempt: 0, reason: 'wakes the held poll' });
    // Sleeping in backoff: the only timers are the backoff and the fence check.
    await until(() => daemon.status === 'disconnected' && clock.pendingTimers() === 2);
    const calls = (): number => ctl.authHeaders.length;
    // With random() = 1 the delays are exactly 200, 400, 800, … ms.
    let seen = calls();
    await clock.advance(199);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls()).toBe(seen);
    await clock.advance(1);
    await until(() => calls() === seen + 1 && clock.pendingTimers() === 2);
    seen = calls();
    await clock.advance(399);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls()).toBe(seen);
    await clock.advance(1);
    await until(() => calls() === seen + 1);
    expect(daemon.heldAttempts()[0]?.state).toBe('RUNNING');
    // FENCE_FRACTION of the 10 s worker timeout without contact: the attempt is stopped.
    await driveUntil(clock, () => daemon.heldAttempts()[0]?.state === 'WORKER_FAILED');
    expect(clock.now() - fencedFrom).toBeGreaterThanOrEqual(10_000 * FENCE_FRACTION);
    expect(daemon.heldAttempts()[0]?.error).toMatch(/lost contact with the controller/);
    ctl.failing = false;
    await driveUntil(clock, () => ctl.lastReport('/o/0', 0)?.state === 'WORKER_FAILED');
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(TOKEN);
  });

  it('backs off (does not spin) when registering itself answers not found', async () => {
    const clock = new FakeClock();
    const { ctl, daemon } = await setup({ clock });
    ctl.rejectRegister = true;
    daemon.start();
    await until(() => daemon.status === 'disconnected' && clock.pendingTimers() === 2);
    expect(ctl.authHeaders.length).toBe(1);
    await clock.advance(199);
    await new Promise((r) => setTimeout(r, 50));
    expect(ctl.authHeaders.length).toBe(1);
    await clock.advance(1);
    await until(() => ctl.authHeaders.length === 2 && clock.pendingTimers() === 2);
    ctl.rejectRegister = false;
    await clock.advance(400);
    await until(() => ctl.reconciles.length > 0);
    expect(daemon.registrationCount).toBe(1);
  });

  it('on stop, kills its attempts and reports them as WORKER_FAILED', async () => {
    const { ctl, daemon } = await setup();
    daemon.start();
    await until(() => ctl.reconciles.length > 0);
    ctl.queueStart(attempt('/s/0', 0, ['sleep', '60']));
    await until(() => ctl.lastReport('/s/0', 0)?.state === 'RUNNING');
    await daemon.stop();
    expect(ctl.lastReport('/s/0', 0)).toMatchObject({ state: 'WORKER_FAILED', error: 'worker shutting down' });
    expect(daemon.status).toBe('stopped');
  });
});

describe('stopping', () => {
  it('gives up its final report after a bounded time when the controller does not answer', async () => {
    const clock = new FakeClock();
    const { ctl, daemon } = await setup({ clock });
    daemon.start();
    await until(() => ctl.reconciles.length > 0);
    ctl.queueStart(attempt('/h/0', 0, ['sleep', '60']));
    await until(() => ctl.lastReport('/h/0', 0)?.state === 'RUNNING');
    ctl.hanging = true;
    let stopped = false;
    const stopping = daemon.stop().then(() => (stopped = true));
    await driveUntil(clock, () => stopped, 1_000);
    await stopping;
    expect(daemon.heldAttempts()[0]?.state).toBe('WORKER_FAILED');
  });
});

describe('scratch dirs', () => {
  it('gives a bundle-less attempt an empty scratch dir that is removed afterwards', async () => {
    const { ctl, daemon, dir } = await setup();
    mkdirSync(join(dir, 'scratch'), { recursive: true });
    daemon.start();
    await until(() => ctl.reconciles.length > 0);
    ctl.queueStart(attempt('/c/0', 0, ['sh', '-c', 'pwd; ls -A | wc -l']));
    await until(() => ctl.lastReport('/c/0', 0)?.state === 'SUCCEEDED');
    const lines = ctl.logs.filter((l) => l.task_id === '/c/0').map((l) => l.line.trim());
    expect(lines[0]).toBe(join(dir, 'scratch', encodeURIComponent('/c/0') + '.0'));
    expect(lines[1]).toBe('0');
    expect(() => readFileSync(join(lines[0] ?? '', 'x'))).toThrow();
  });
});
