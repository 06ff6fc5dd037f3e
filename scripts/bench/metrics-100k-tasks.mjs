// GET /metrics of a controller holding 100k tasks in 1,000 jobs (some running on 100 workers):
// the gauges of jobs and tasks by state are computed from the state at each scrape.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnController, stopChild } from './lib/controller-child.mjs';
import { formatMs, median, percentile } from './lib/stats.mjs';

const JOBS = 1_000;
const REPLICAS = 100;
const WORKERS = 100;
const BAR_MS = 50;
const SCRAPES = 50;

export const name = 'metrics-100k-tasks';
export const bar = `≤ ${BAR_MS} ms per scrape (median)`;

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'iris-bench-metrics-'));
  const ctl = await spawnController(dir);
  const headers = { authorization: `Bearer ${ctl.token}`, 'content-type': 'application/json' };
  try {
    for (let w = 0; w < WORKERS; w++) {
      const res = await fetch(`${ctl.url}/api/v1/workers/register`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          worker_id: `w${w}`,
          address: `10.0.0.${w}:1`,
          resources: { cpu: 8, memory_bytes: 1e10, disk_bytes: 1e10 },
          accelerators: [],
          attributes: {},
        }),
      });
      if (!res.ok) throw new Error(`register: HTTP ${res.status}`);
    }
    for (let j = 0; j < JOBS; j++) {
      const res = await fetch(`${ctl.url}/api/v1/jobs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: `/bench/j${j}`, command: ['true'], replicas: REPLICAS, resources: { cpu: 1 } }),
      });
      if (!res.ok) throw new Error(`submit: HTTP ${res.status}`);
    }
    const samples = [];
    let text = '';
    for (let i = 0; i < SCRAPES + 5; i++) {
      const start = process.hrtime.bigint();
      const res = await fetch(`${ctl.url}/metrics`, { headers });
      text = await res.text();
      if (i >= 5) samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const tasks = [...text.matchAll(/^iris_tasks\{state="[A-Z_]+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    if (tasks !== JOBS * REPLICAS) throw new Error(`metrics count ${tasks} tasks, expected ${JOBS * REPLICAS}`);
    const p50 = median(samples);
    const p99 = percentile(samples, 99);
    return {
      figure: `p50 ${formatMs(p50)}, p99 ${formatMs(p99)}`,
      pass: p50 <= BAR_MS,
      detail: `${SCRAPES} scrapes over HTTP (after 5 warm-up), ${JOBS * REPLICAS} tasks in ${JOBS} jobs, ${WORKERS} workers; the tail is a scrape waiting behind a scheduling pass over the 100k pending tasks`,
    };
  } finally {
    ctl.child.kill('SIGKILL');
    await stopChild(ctl.child);
    rmSync(dir, { recursive: true, force: true });
  }
}
