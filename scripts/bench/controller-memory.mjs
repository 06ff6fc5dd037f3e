// RSS of a real controller process holding 10k registered workers and 100k tasks (10 jobs of
// 10k replicas), after its scheduling passes have placed what fits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnController, stopChild, rssBytes } from './lib/controller-child.mjs';

const WORKERS = 10_000;
const JOBS = 10;
const REPLICAS = 10_000;
const BAR_MB = 500;

export const name = 'controller-rss-10k-workers-100k-tasks';
export const bar = `≤ ${BAR_MB} MB RSS`;

async function post(url, token, path, body) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'iris-bench-rss-'));
  const { child, url, token } = await spawnController(dir);
  try {
    for (let i = 0; i < WORKERS; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, k) =>
          post(url, token, '/workers/register', {
            worker_id: `w-${i + k}`,
            address: `10.0.${Math.floor((i + k) / 250)}.${(i + k) % 250}:10001`,
            resources: { cpu: 8, memory_bytes: 32 * 1024 ** 3, disk_bytes: 100 * 1024 ** 3 },
            accelerators: [],
            attributes: { zone: `z${(i + k) % 4}`, 'tpu-name': `s${Math.floor((i + k) / 4)}` },
          }),
        ),
      );
    }
    for (let j = 0; j < JOBS; j++) {
      await post(url, token, '/jobs', {
        name: `/bench/j${j}`,
        command: ['python', 'train.py', '--epochs', '10'],
        env: { RUN: String(j) },
        replicas: REPLICAS,
        resources: { cpu: 1, memory_bytes: 1024 ** 3 },
      });
    }
    // Let the passes triggered by the submissions run.
    await new Promise((r) => setTimeout(r, 3_000));
    const health = await (await fetch(`${url}/health`)).json();
    const rss = rssBytes(child.pid) / 1e6;
    return { figure: `${rss.toFixed(0)} MB`, pass: rss <= BAR_MB, detail: `${health.workers} workers, ${JOBS * REPLICAS} tasks` };
  } finally {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}
