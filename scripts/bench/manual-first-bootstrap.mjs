// First bootstrap of a worker on a fresh SSH host: a real sshd on a loopback address (the
// manual provider's test harness; needs root and openssh-server), a real controller process, and
// the real `iris` program packed from packages/cli. The clock runs from createSlice to the moment
// the controller lists the worker. The first also packs the program (an empty program cache); the
// second is another fresh host once the program is packed. The program's size is measured unpacked
// on the host.
import 'reflect-metadata';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distUrl, repoRoot } from './lib/paths.mjs';

const BAR_MS = 15_000;
const HOSTS = ['127.0.0.21', '127.0.0.22'];

export const name = 'manual-first-bootstrap';
export const bar = 'first bootstrap on a fresh loopback host ≤ 15 s; program ≤ 30 MB unpacked';

async function until(what, probe, timeoutMs = 120_000, everyMs = 50) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function run() {
  const { SystemClock, silentLogger } = await import(distUrl('core', 'index.js'));
  const { DEFAULT_CONFIG } = await import(distUrl('core', 'config/index.js'));
  const { IrisClient } = await import(distUrl('core', 'api/index.js'));
  const { ManualPlatform } = await import(distUrl('provider-manual', 'index.js'));
  const { SshdHarness, killProcessesMentioning } = await import(distUrl('provider-manual', 'testing/index.js'));
  const controllerMain = fileURLToPath(distUrl('controller', 'serve-main.js'));
  const root = mkdtempSync(join(tmpdir(), 'iris-bench-manual-'));
  const stateDir = join(root, 'state');
  const sshd = new SshdHarness();
  const controller = spawn(process.execPath, [controllerMain, '--state-dir', stateDir, '--port', '0', '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const platforms = [];
  try {
    const [url] = await Promise.all([
      new Promise((resolve, reject) => {
        let out = '';
        controller.stdout.on('data', (c) => {
          out += c;
          if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]).url);
        });
        controller.once('exit', (code) => reject(new Error(`controller exited ${code}`)));
      }),
      sshd.start(HOSTS),
    ]);
    const token = readFileSync(join(stateDir, 'token'), 'utf8').trim();
    const client = new IrisClient({ baseUrl: url, token });
    const defaults = DEFAULT_CONFIG.defaults;
    const deps = {
      clusterName: 'bench',
      bootstrap: { ...defaults.bootstrap, env: {} },
      timeouts: { ...defaults.timeouts },
      ssh: { ...defaults.ssh },
      clock: new SystemClock(),
      logger: silentLogger,
      stateDir,
    };
    const group = {
      name: 'lab',
      provider: { type: 'manual' },
      accelerator_type: 'cpu',
      accelerator_variant: 'cpu',
      slice_size: 1,
      resources: { cpu: 1, ram: 1e9, disk: 1e9, gpu_count: 0, tpu_count: 0 },
      preemptible: false,
      min_slices: 0,
      max_slices: 2,
      priority: 100,
      attributes: {},
    };
    const bootstrap = { role: 'worker', labels: {}, providerOverrides: {}, container: { image: '', entrypoint: [], ports: {}, env: {} } };
    // A cluster controller mints a join token per slice; this bare controller process has none to
    // give, so the worker joins with the operator token (a worker accepts either).
    const launch = {
      controllerUrl: url,
      joinToken: token,
      joinTokenExpiresAtMs: Date.now() + 3_600_000,
      env: {},
      attributes: {},
      resources: { cpu: 1, memoryBytes: 1e9 },
    };
    const times = [];
    // Each host its own worker_dir (the loopback hosts share this machine's disk): both are fresh.
    for (const [i, host] of HOSTS.entries()) {
      const config = {
        type: 'manual',
        hosts: [`${host}:${sshd.host(host).port}`],
        ssh_user: 'root',
        ssh_key_file: sshd.clientKey,
        host_key_fingerprints: {},
        known_hosts_file: sshd.knownHosts,
        insecure_skip_host_key_check: false,
        worker_dir: join(root, `host-${i}`),
        keep_logs: false,
      };
      const platform = new ManualPlatform(config, deps, {
        program: { packageDir: join(repoRoot, 'packages/cli'), entry: 'bin/iris.js' },
        programCache: join(root, 'program-cache'), // empty at first: the first create packs the program
      });
      platforms.push(platform);
      const t0 = Date.now();
      const slice = await platform.vmManager(group).createSlice({ requestId: `first-${i}`, labels: {}, bootstrap, launch });
      const vmId = slice.vms[0].vmId;
      await until(`worker ${vmId} to register`, async () => ((await client.listWorkers()).items.some((w) => w.worker_id === vmId) ? true : undefined));
      times.push(Date.now() - t0);
    }
    const programs = join(root, 'host-0', 'programs');
    const version = readdirSync(programs).find((e) => /^[0-9a-f]+$/.test(e));
    const bytes = Number(execFileSync('du', ['-sb', join(programs, version)], { encoding: 'utf8' }).split('\t')[0]);
    const mb = bytes / 1e6;
    const [cold, warm] = times;
    return {
      figure: `${(cold / 1000).toFixed(1)} s (program packed on the way), ${(warm / 1000).toFixed(1)} s (already packed); program ${mb.toFixed(1)} MB unpacked`,
      pass: cold <= BAR_MS && mb <= 30,
      detail: 'createSlice → worker listed by the controller, real sshd on loopback, fresh host each time',
    };
  } finally {
    for (const p of platforms) await p.close();
    controller.kill('SIGTERM');
    await killProcessesMentioning(root).catch(() => undefined);
    await sshd.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
