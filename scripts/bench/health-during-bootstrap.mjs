// /health while a manual group's first worker bootstraps: a real controller started by `iris start`
// with a cluster file whose manual group wants one slice on a fresh SSH host (a real sshd on a
// loopback address; needs root and openssh-server). HOME is empty, so the controller has no packed
// program yet and packs it during this bootstrap — the work that once stalled its event loop for
// 16 s. A client polls /health every 20 ms from the moment the controller answers until the worker
// has registered; the figure is that poll's p99 and worst latency.
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeanHttpConnection } from './lib/lean-http-client.mjs';
import { distUrl, repoRoot } from './lib/paths.mjs';
import { percentile } from './lib/stats.mjs';

const BAR_MS = 50;
const HOST = '127.0.0.23';

export const name = 'health-during-first-bootstrap';
export const bar = '/health p99 ≤ 50 ms while a manual group packs and installs its first worker';

function iris(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'packages/cli/bin/iris.js'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`iris ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

export async function run() {
  const { SshdHarness, killProcessesMentioning } = await import(distUrl('provider-manual', 'testing/index.js'));
  const root = mkdtempSync(join(tmpdir(), 'iris-bench-health-boot-'));
  const stateDir = join(root, 'state');
  const file = join(root, 'cluster.yaml');
  // An empty program cache: the controller packs the worker program during this bootstrap.
  const env = { HOME: root, XDG_CACHE_HOME: join(root, '.cache'), IRIS_PROGRAM_CACHE: '' };
  const sshd = new SshdHarness();
  try {
    await sshd.start([HOST]);
    writeFileSync(
      file,
      `name: bench-health-${process.pid}
controller:
  provider: { type: local, port: 0 }
  state_dir: ${stateDir}
defaults:
  autoscaler: { evaluation_interval: 200ms, scale_up_delay: 0s, startup_grace: 120s }
scale_groups:
  lab:
    provider: { type: manual, hosts: ["${HOST}:${sshd.host(HOST).port}"], ssh_user: root, ssh_key_file: ${sshd.clientKey}, known_hosts_file: ${sshd.knownHosts}, worker_dir: ${join(root, 'host')} }
    accelerator_type: cpu
    slice_size: 1
    resources: { cpu: 1, ram: 1GB, disk: 1GB }
    min_slices: 1
    max_slices: 1
`,
    );
    const started = performance.now();
    // Polling starts as soon as the controller answers, not when `iris start` returns: the
    // autoscaler may begin the bootstrap (and the packing) before then.
    const starting = iris(['start', '--detach', '-c', file], env);
    let info;
    while (!info) {
      try {
        const candidate = JSON.parse(readFileSync(join(stateDir, 'controller.json'), 'utf8'));
        if ((await fetch(`${candidate.url}/health`)).ok) info = candidate;
      } catch {
        // Not written or not answering yet.
      }
      if (!info) await new Promise((r) => setTimeout(r, 10));
      if (performance.now() - started > 120_000) throw new Error('the controller did not answer within 120 s');
    }
    const { hostname, port } = new URL(info.url);
    const health = new LeanHttpConnection({ hostname, port });
    const latencies = [];
    let registered = false;
    const poll = async () => {
      while (!registered) {
        latencies.push((await health.request('GET', '/health')).ms);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // The poller's client frames answers but drops bodies; this loop reads /health's worker count.
    const watch = async () => {
      const deadline = performance.now() + 180_000;
      while (performance.now() < deadline) {
        const h = await fetch(`${info.url}/health`).then((r) => r.json());
        if (h.workers >= 1) {
          registered = true;
          return performance.now() - started;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      registered = true;
      throw new Error('the manual worker did not register within 180 s');
    };
    const [, bootMs] = await Promise.all([poll(), watch(), starting]);
    health.close();
    const p99 = percentile(latencies, 99);
    const worst = Math.max(...latencies);
    return {
      figure: `/health p99 ${p99.toFixed(1)} ms, worst ${worst.toFixed(0)} ms over ${latencies.length} polls; worker registered ${(bootMs / 1000).toFixed(1)} s after \`iris start\` began`,
      pass: p99 <= BAR_MS,
      detail: 'iris start --detach with an empty program cache, manual group min_slices 1 on a fresh loopback sshd host',
    };
  } finally {
    await iris(['stop', '-c', file], env).catch(() => undefined);
    await killProcessesMentioning(root).catch(() => undefined);
    await sshd.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
