// Jobs accepted per second, measured side by side in one run:
// - bare better-sqlite3 writing the rows the controller writes for one job (job, task, action),
//   one transaction per job, on a fresh database with the controller's schema;
// - the controller (a child process) over HTTP with 20 clients submitting at once, and /health's
//   latency meanwhile (a 21st client polling it).
// Bar: controller ≥ half of bare, submit p99 ≤ 50 ms, /health p99 ≤ 50 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnController, stopChild } from './lib/controller-child.mjs';
import { distUrl } from './lib/paths.mjs';
import { percentile } from './lib/stats.mjs';

const CLIENTS = 20;
const DURATION_MS = 5_000;
const BARE_JOBS = 20_000;

export const name = 'submit-throughput-20-clients';
export const bar = '≥ ½ of bare better-sqlite3 (one job per transaction); submit p99 ≤ 50 ms; /health p99 ≤ 50 ms';

async function bare() {
  const { openDatabase, StateStore } = await import(distUrl('controller', 'index.js'));
  const dir = mkdtempSync(join(tmpdir(), 'iris-bench-bare-'));
  try {
    const store = new StateStore(
      openDatabase(join(dir, 'controller.db'), () => Date.now()),
      { maxLogLinesPerAttempt: 100, maxActions: 10_000 },
    );
    const spec = {
      command: ['true'],
      env: {},
      resources: { cpu: 1, memory_bytes: 2 ** 30, disk_bytes: 0 },
      replicas: 1,
      max_retries_failure: 0,
      max_retries_preemption: 3,
      constraints: [],
      ports: [],
    };
    const start = performance.now();
    for (let i = 0; i < BARE_JOBS; i++) {
      const name = `/bare/j${i}`;
      const job = { name, seq: i + 1, spec, state: 'PENDING', submittedAt: Date.now(), tasks: [{ taskId: `${name}/0`, index: 0, state: 'PENDING' }] };
      store.transaction(() => {
        store.insertJob(job);
        store.recordAction(Date.now(), 'job_submitted', name, '1 task(s): true');
      });
    }
    const seconds = (performance.now() - start) / 1000;
    store.close();
    return BARE_JOBS / seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One HTTP call with a kept-alive agent per client; resolves with its latency in ms. */
function call(agentOptions, method, path, body) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ ...agentOptions, method, path }, (res) => {
      res.resume();
      res.once('end', () => (res.statusCode < 300 ? resolve(performance.now() - started) : reject(new Error(`${method} ${path}: HTTP ${res.statusCode}`))));
    });
    req.once('error', reject);
    req.end(body);
  });
}

async function controller() {
  const { Agent } = await import('node:http');
  const dir = mkdtempSync(join(tmpdir(), 'iris-bench-submit-'));
  const { child, url, token } = await spawnController(dir);
  try {
    const { hostname, port } = new URL(url);
    const base = { hostname, port, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } };
    const submits = [];
    const health = [];
    let accepted = 0;
    const until = performance.now() + DURATION_MS;
    const client = async (c) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      let i = 0;
      while (performance.now() < until) {
        const body = JSON.stringify({ name: `/bench/c${c}/j${i++}`, command: ['true'], resources: { cpu: 1, memory_bytes: 2 ** 30 } });
        submits.push(await call({ ...base, agent }, 'POST', '/api/v1/jobs', body));
        accepted++;
      }
      agent.destroy();
    };
    const poller = async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (performance.now() < until) {
        health.push(await call({ hostname, port, agent }, 'GET', '/health'));
        await new Promise((r) => setTimeout(r, 10));
      }
      agent.destroy();
    };
    const start = performance.now();
    await Promise.all([...Array.from({ length: CLIENTS }, (_, c) => client(c)), poller()]);
    const seconds = (performance.now() - start) / 1000;
    return { perSecond: accepted / seconds, p99: percentile(submits, 99), p50: percentile(submits, 50), healthP99: percentile(health, 99) };
  } finally {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run() {
  const bareRate = await bare();
  const c = await controller();
  const ratio = c.perSecond / bareRate;
  const pass = ratio >= 0.5 && c.p99 <= 50 && c.healthP99 <= 50;
  return {
    figure: `${c.perSecond.toFixed(0)} jobs/s vs bare ${bareRate.toFixed(0)} (${ratio.toFixed(2)}×); p99 ${c.p99.toFixed(1)} ms; /health p99 ${c.healthP99.toFixed(1)} ms`,
    pass,
    detail: `submit p50 ${c.p50.toFixed(1)} ms; ${CLIENTS} clients for ${DURATION_MS / 1000} s`,
  };
}
