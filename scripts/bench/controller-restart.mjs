// Restart of a controller whose database holds 100k tasks: from spawning the process until it
// answers /health (the database is recovered before the server listens).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnController, stopChild } from './lib/controller-child.mjs';
import { formatMs, median } from './lib/stats.mjs';

const JOBS = 10;
const REPLICAS = 10_000;
const BAR_MS = 2_000;
const RUNS = 5;

export const name = 'controller-restart-100k-tasks';
export const bar = `≤ ${BAR_MS} ms to serve again`;

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'iris-bench-restart-'));
  try {
    const first = await spawnController(dir);
    for (let j = 0; j < JOBS; j++) {
      const res = await fetch(`${first.url}/api/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${first.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `/bench/j${j}`, command: ['true'], replicas: REPLICAS, resources: { cpu: 1 } }),
      });
      if (!res.ok) throw new Error(`submit: HTTP ${res.status}`);
    }
    // Three jobs killed: 30k task rows that recovery must read back (the rest are still pending).
    for (let j = 0; j < 3; j++) {
      await fetch(`${first.url}/api/v1/jobs/${encodeURIComponent(`/bench/j${j}`)}/kill`, {
        method: 'POST',
        headers: { authorization: `Bearer ${first.token}` },
      });
    }
    first.child.kill('SIGKILL');
    await stopChild(first.child);
    const samples = [];
    for (let i = 0; i < RUNS; i++) {
      const start = process.hrtime.bigint();
      const next = await spawnController(dir);
      const health = await (await fetch(`${next.url}/health`)).json();
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (health.jobs !== JOBS) throw new Error(`restarted controller has ${health.jobs} jobs, expected ${JOBS}`);
      next.child.kill('SIGKILL');
      await stopChild(next.child);
    }
    const ms = median(samples);
    return {
      figure: formatMs(ms),
      pass: ms <= BAR_MS,
      detail: `median of ${RUNS} restarts after SIGKILL; ${JOBS * REPLICAS} tasks in the database, 30% of them killed (includes node start-up)`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
