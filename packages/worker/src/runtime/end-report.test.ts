import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '@iris/core';
import type { AttemptStart, LogStream } from '@iris/core/api';
import { ProcessRuntime, stopMarkerOf } from './process-runtime.js';
import type { AttemptEndReport } from './types.js';

// The supervisor's own report of a successful end (for a worker that froze or died before telling
// the controller): what it sends, when it stays silent, and that the task never sees the credential.
const SECRET = 'worker-credential-5e3a9c';
const context = { workerId: 'w-1', controllerUrl: 'http://127.0.0.1:9' };

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}
const received: Received[] = [];
let server: Server;
let base: string;
let dir: string;
let seq = 0;

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'iris-end-report-')));
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function attempt(command: string[]): AttemptStart {
  return {
    task_id: `/end/report/${++seq}`,
    attempt: 2,
    job: '/end/report',
    task_index: seq,
    num_tasks: 100,
    command,
    env: {},
    ports: [],
    resources: { cpu: 0, memory_bytes: 0, disk_bytes: 0 },
  };
}

function endReport(graceMs: number): AttemptEndReport {
  return { url: `${base}/api/v1/workers/w-1/attempt-ends`, token: SECRET, graceMs, giveUpMs: 60_000 };
}

async function run(command: string[], graceMs: number, options: { kill?: boolean } = {}) {
  const rt = new ProcessRuntime({ clock: new SystemClock(), killGraceMs: 5_000, baseEnv: { PATH: process.env['PATH'] } });
  const lines: Array<[LogStream, string]> = [];
  const start = attempt(command);
  const exitFile = join(dir, `${seq}.exit`);
  const running = await rt.start({ start, workDir: dir, exitFile, endReport: endReport(graceMs) }, context, (s, l) => lines.push([s, l]));
  if (options.kill) void running.kill('stop it');
  const exit = await running.exited;
  return { start, exit, exitFile, out: lines.map(([, l]) => l) };
}

async function until<T>(what: string, probe: () => T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const reportsOf = (taskId: string): Received[] => received.filter((r) => r.body['task_id'] === taskId);

describe('a supervisor reports its attempt’s success itself when the worker does not', () => {
  it('POSTs the end with the worker credential once the grace passes and the recorded end is still there', { timeout: 60_000 }, async () => {
    const script = [
      // What the task can see of the credential: its environment, its supervisor's command line and
      // environment, the report channel (fd 4).
      'env',
      'tr "\\0" "\\n" < /proc/$PPID/cmdline',
      'tr "\\0" "\\n" < /proc/$PPID/environ',
      '[ -e /proc/$$/fd/4 ] && echo "FD""4OPEN"',
      'exit 0',
    ].join('; ');
    const { start, exit, exitFile, out } = await run(['sh', '-c', script], 300);
    expect(exit.exitCode).toBe(0);
    expect(out.length).toBeGreaterThan(5);
    expect(out.filter((l) => l.includes(SECRET) || l.includes('FD4OPEN'))).toEqual([]);
    expect(out).toContain('--end-report');

    const [report] = await until('the supervisor to report the end', () => (reportsOf(start.task_id).length > 0 ? reportsOf(start.task_id) : undefined));
    expect(report!.url).toBe('/api/v1/workers/w-1/attempt-ends');
    expect(report!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(report!.body).toMatchObject({ task_id: start.task_id, attempt: 2, state: 'SUCCEEDED', exit_code: 0 });
    expect(report!.body['finished_at_ms']).toBeGreaterThanOrEqual(report!.body['started_at_ms'] as number);
    expect(existsSync(exitFile)).toBe(true);
  });

  it('stays silent when the worker reported the end itself (removed the recorded end) within the grace', { timeout: 60_000 }, async () => {
    const { start, exitFile } = await run(['true'], 1_500);
    rmSync(exitFile);
    // A silence cannot be awaited: wait well past the grace, then check nothing came.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(reportsOf(start.task_id)).toEqual([]);
  });

  it('stays silent for an attempt the worker stopped itself, even one that exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
    const { start, exit, exitFile } = await run(['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.05; done'], 300, { kill: true });
    expect(exit.exitCode).toBe(0);
    expect(existsSync(stopMarkerOf(exitFile))).toBe(true);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(reportsOf(start.task_id)).toEqual([]);
  });

  it('reports no failure: a non-zero exit is the worker’s to tell', { timeout: 60_000 }, async () => {
    const { start, exit } = await run(['sh', '-c', 'exit 3'], 300);
    expect(exit.exitCode).toBe(3);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(reportsOf(start.task_id)).toEqual([]);
  });

  it('retries while the controller answers 503 (restarting, or its disk refused the write), then delivers', { timeout: 60_000 }, async () => {
    const bodies: unknown[] = [];
    const flaky = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        if (bodies.length < 3) res.writeHead(503, { 'content-type': 'application/json' }).end('{"code":"IRIS_API_UNAVAILABLE","message":"later"}');
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    try {
      const rt = new ProcessRuntime({ clock: new SystemClock(), killGraceMs: 5_000, baseEnv: { PATH: process.env['PATH'] } });
      const start = attempt(['true']);
      const exitFile = join(dir, `${seq}.exit`);
      const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/api/v1/workers/w-1/attempt-ends`;
      await (
        await rt.start({ start, workDir: dir, exitFile, endReport: { url, token: SECRET, graceMs: 100, giveUpMs: 60_000 } }, context, () => undefined)
      ).exited;
      await until('the end to be delivered on the third try', () => (bodies.length >= 3 ? bodies : undefined));
      expect(bodies[2]).toMatchObject({ task_id: start.task_id, state: 'SUCCEEDED' });
      // Delivered: no fourth call.
      await new Promise((r) => setTimeout(r, 2_000));
      expect(bodies).toHaveLength(3);
    } finally {
      await new Promise((resolve) => flaky.close(resolve));
    }
  });
});
