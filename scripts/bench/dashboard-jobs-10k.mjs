// Page load of the dashboard's jobs view with 10,000 jobs in the controller: a real controller
// process, Debian's Chromium driven by playwright-core, timed from navigation to the rendered
// jobs table (first page of the parent/child tree, 100 rows).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distUrl } from './lib/paths.mjs';
import { spawnController, stopChild } from './lib/controller-child.mjs';
import { formatMs, median, percentile } from './lib/stats.mjs';

const PARENTS = 2_500;
const CHILDREN_PER_PARENT = 3; // 2,500 parents + 7,500 children = 10,000 jobs
const RUNS = 9;
const WARMUP = 2;
const BAR_MS = 1_000;
const CHROMIUM = '/usr/bin/chromium';

export const name = 'dashboard-jobs-10k';
export const bar = `page load ≤ ${BAR_MS} ms`;

export async function run() {
  const { IrisClient } = await import(distUrl('core', 'api/index.js'));
  const { chromium } = await import('playwright-core');
  const root = mkdtempSync(join(tmpdir(), 'iris-bench-dash-'));
  const { child, url, token } = await spawnController(join(root, 'state'));
  let context;
  try {
    const client = new IrisClient({ baseUrl: url, token });
    // Submitted in small concurrent batches; nothing runs (no workers), as in a backlog.
    for (let p = 0; p < PARENTS; p += 50) {
      const batch = [];
      for (let i = p; i < Math.min(PARENTS, p + 50); i++) {
        const parent = `/bench/p${String(i).padStart(4, '0')}`;
        batch.push(
          client
            .submitJob({ name: parent, command: ['true'] })
            .then(() =>
              Promise.all(Array.from({ length: CHILDREN_PER_PARENT }, (_, c) => client.submitJob({ name: `${parent}/c${c}`, command: ['true'], parent }))),
            ),
        );
      }
      await Promise.all(batch);
    }
    const res = await fetch(new URL('/api/v1/login-codes', url), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const { path } = await res.json();
    context = await chromium.launchPersistentContext(join(root, 'chromium-profile'), {
      executablePath: CHROMIUM,
      viewport: { width: 1440, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(new URL(path, url).href);
    const samples = [];
    let rows = 0;
    let total = '';
    for (let i = 0; i < WARMUP + RUNS; i++) {
      await page.goto('about:blank');
      const t0 = performance.now();
      await page.goto(`${url}/dashboard/#/jobs`);
      const table = page.locator('#jobs-table[data-loaded]');
      await table.waitFor({ timeout: 30_000 });
      const ms = performance.now() - t0;
      if (i >= WARMUP) samples.push(ms);
      rows = await page.locator('#jobs-table tbody tr').count();
      total = await table.getAttribute('data-total');
    }
    const p50 = median(samples);
    return {
      figure: formatMs(p50),
      pass: p50 <= BAR_MS,
      detail: `median of ${samples.length} loads (p90 ${formatMs(percentile(samples, 90))}); ${total} jobs in the tree, ${rows} rows rendered`,
    };
  } finally {
    await context?.close();
    await stopChild(child);
    rmSync(root, { recursive: true, force: true });
  }
}
