// Jobs accepted per second, measured side by side in one run:
// - bare better-sqlite3 writing the rows the controller writes for one job (job, task, action),
//   one transaction per job, on a fresh database with the controller's schema;
// - the controller (a child process) over HTTP with 20 clients submitting at once, each on its own
//   kept-alive connection, and /health's latency meanwhile (a 21st client polling it). The clients
//   are lean (lib/lean-http-client.mjs): 20 of Node's http clients in one process need about as much
//   CPU as the controller itself, so on 2 cores they, not the controller, would set the pace. The
//   detail line also gives the figure with Node's http client, for comparison.
// Bar: controller ≥ half of bare, submit p99 ≤ 50 ms, /health p99 ≤ 50 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnController, stopChild } from './lib/controller-child.mjs';
import { LeanHttpConnection } from './lib/lean-http-client.mjs';
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

/** A client of one kind: `lean` (raw keep-alive socket) or `node` (node:http with a kept-alive agent). */
function openClient(kind, target) {
  if (kind === 'lean') {
    const conn = new LeanHttpConnection(target);
    return {
      call: async (method, path, body) => {
        const { status, ms } = await conn.request(method, path, body);
        if (status >= 300) throw new Error(`${method} ${path}: HTTP ${status}`);
        return ms;
      },
      close: () => conn.close(),
    };
  }
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return { call: (method, path, body) => call({ ...target, agent }, method, path, body), close: () => agent.destroy() };
}

async function controller(kind) {
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
      const conn = openClient(kind, base);
      let i = 0;
      while (performance.now() < until) {
        const body = JSON.stringify({ name: `/bench/c${c}/j${i++}`, command: ['true'], resources: { cpu: 1, memory_bytes: 2 ** 30 } });
        submits.push(await conn.call('POST', '/api/v1/jobs', body));
        accepted++;
      }
      conn.close();
    };
    const poller = async () => {
      const conn = openClient(kind, { hostname, port });
      while (performance.now() < until) {
        health.push(await conn.call('GET', '/health'));
        await new Promise((r) => setTimeout(r, 10));
      }
      conn.close();
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
  const c = await controller('lean');
  const viaNodeHttp = await controller('node');
  const ratio = c.perSecond / bareRate;
  const pass = ratio >= 0.5 && c.p99 <= 50 && c.healthP99 <= 50;
  return {
    figure: `${c.perSecond.toFixed(0)} jobs/s vs bare ${bareRate.toFixed(0)} (${ratio.toFixed(2)}×); p99 ${c.p99.toFixed(1)} ms; /health p99 ${c.healthP99.toFixed(1)} ms`,
    pass,
    detail:
      `submit p50 ${c.p50.toFixed(1)} ms; ${CLIENTS} clients for ${DURATION_MS / 1000} s; with node:http clients instead: ` +
      `${viaNodeHttp.perSecond.toFixed(0)} jobs/s (${(viaNodeHttp.perSecond / bareRate).toFixed(2)}×), p99 ${viaNodeHttp.p99.toFixed(1)} ms`,
  };
}
