// Submit → running on an idle worker: a real controller process and a real worker process on
// loopback. The figure is the time from just before the submit call to the moment the controller
// recorded the task RUNNING (its `started_at_ms`, on the same host clock), so polling adds nothing.
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distUrl } from './lib/paths.mjs';
import { formatMs, percentile } from './lib/stats.mjs';

const RUNS = 200;
const WARMUP = 10;

export const name = 'submit-to-running';
export const bar = 'p50 ≤ 50 ms, p99 ≤ 200 ms';

async function until(what, probe, timeoutMs = 20_000, everyMs = 5) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function run() {
  const { IrisClient } = await import(distUrl('core', 'api/index.js'));
  const controllerMain = fileURLToPath(distUrl('controller', 'serve-main.js'));
  const workerMain = fileURLToPath(distUrl('worker', 'main.js'));
  const root = mkdtempSync(join(tmpdir(), 'iris-bench-s2r-'));
  const stateDir = join(root, 'state');
  const controller = spawn(process.execPath, [controllerMain, '--state-dir', stateDir, '--port', '0', '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let worker;
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      controller.stdout.on('data', (c) => {
        out += c;
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]).url);
      });
      controller.once('exit', (code) => reject(new Error(`controller exited ${code}`)));
    });
    const tokenFile = join(stateDir, 'token');
    const client = new IrisClient({ baseUrl: url, token: readFileSync(tokenFile, 'utf8').trim() });
    worker = spawn(
      process.execPath,
      [workerMain, '--controller', url, '--token-file', tokenFile, '--work-dir', join(root, 'worker'), '--worker-id', 'bench-worker'],
      { stdio: 'ignore' },
    );
    await until('the worker to register', async () => ((await client.listWorkers()).items.length === 1 ? true : undefined));

    const samples = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const job = `/bench/s2r-${i}`;
      const t0 = Date.now();
      await client.submitJob({ name: job, command: ['sleep', '0.05'] });
      const task = await until(`${job} to start`, async () => {
        const t = await client.getTask(`${job}/0`);
        return t.started_at_ms !== undefined && t.state === 'SUCCEEDED' ? t : undefined;
      });
      if (i >= WARMUP) samples.push(task.started_at_ms - t0);
    }
    const p50 = percentile(samples, 50);
    const p99 = percentile(samples, 99);
    return {
      figure: `p50 ${formatMs(p50)}, p99 ${formatMs(p99)}`,
      pass: p50 <= 50 && p99 <= 200,
      detail: `${RUNS} jobs one after another on one idle worker process (ms resolution); max ${formatMs(Math.max(...samples))}`,
    };
  } finally {
    const ended = (proc) => (proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((r) => proc.once('exit', r)));
    worker?.kill('SIGTERM');
    if (worker) await ended(worker);
    controller.kill('SIGTERM');
    await ended(controller);
    rmSync(root, { recursive: true, force: true });
  }
}
