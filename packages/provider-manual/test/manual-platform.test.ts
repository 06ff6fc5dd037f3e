import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LABEL_CLUSTER, type PlatformDeps, type ScaleGroupConfig, type VmBootstrapSpec } from '@iris/core';
import { testPlatformDeps, testWorkerLaunch } from '@iris/provider-testkit';
import type { ManualProviderConfig } from '../src/config-types.js';
import { ManualPlatform } from '../src/platform/manual-platform.js';
import { MANUAL_STATE_MAP, mapManualState } from '../src/platform/manual-state-map.js';
import { SshdHarness, killProcessesMentioning, processesMentioning } from './sshd-harness.js';
import { sha256Fingerprint } from '../src/ssh/host-key.js';

const sshd = new SshdHarness();
const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const program = { packageDir: fileURLToPath(new URL('./fixtures/fake-iris', import.meta.url)), entry: 'bin/iris.js' };

beforeAll(async () => {
  await sshd.start(HOSTS);
});
afterAll(async () => {
  await sshd.stop();
});

function group(name: string, sliceSize: number): ScaleGroupConfig {
  return {
    name,
    provider: { type: 'manual' },
    accelerator_type: 'gpu',
    accelerator_variant: 'a100',
    slice_size: sliceSize,
    resources: { cpu: 8, ram: 16e9, disk: 0, gpu_count: 1, tpu_count: 0 },
    preemptible: false,
    min_slices: 0,
    max_slices: 3,
    priority: 100,
    attributes: { rack: 'lab' },
  };
}

const bootstrap: VmBootstrapSpec = {
  role: 'worker',
  labels: {},
  providerOverrides: {},
  container: { image: '', entrypoint: [], ports: {}, env: {} },
};
// The controller passes the group's attributes and the slice's join token on the launch.
const launch = testWorkerLaunch({ joinToken: 's3cret-token', attributes: { rack: 'lab' } });

function pidAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('ManualPlatform against real sshd hosts', () => {
  let stateDir: string;
  let workerDir: string;
  let deps: PlatformDeps;
  const platforms: ManualPlatform[] = [];

  function config(hosts = HOSTS, overrides: Partial<ManualProviderConfig> = {}): ManualProviderConfig {
    return {
      type: 'manual',
      hosts: hosts.map((h) => `${h}:${sshd.host(h).port}`),
      ssh_user: 'root',
      ssh_key_file: sshd.clientKey,
      host_key_fingerprints: {},
      known_hosts_file: sshd.knownHosts,
      insecure_skip_host_key_check: false,
      worker_dir: workerDir,
      keep_logs: false,
      ...overrides,
    };
  }

  function platform(hosts = HOSTS, overrides: Partial<ManualProviderConfig> = {}, settleSeconds = 0.3): ManualPlatform {
    const p = new ManualPlatform(config(hosts, overrides) as never, deps, {
      program,
      programCache: join(stateDir, 'programs'),
      settleSeconds,
      stopGraceSeconds: 2,
    });
    platforms.push(p);
    return p;
  }

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'iris-manual-state-'));
    workerDir = mkdtempSync(join(tmpdir(), 'iris-manual-hosts-'));
    deps = testPlatformDeps(stateDir, {
      clusterName: 'Lab',
      // Wide budgets: CI runs many projects at once on two cores, where a bootstrap can take 10x longer.
      timeouts: { boot: 120_000, init: 120_000, ssh_poll_interval: 200 },
      ssh: { user: 'root', port: 22, connect_timeout: 60_000 },
    });
  });

  afterEach(async () => {
    for (const h of HOSTS) if (!sshd.host(h).process) await sshd.startHost(h);
    const cleanup = platform();
    for (const g of ['gpu', 'pair']) {
      const m = cleanup.vmManager(group(g, 1));
      for (const s of await m.listSlices()) await m.terminateSlice(s.sliceId).catch(() => undefined);
    }
    for (const p of platforms.splice(0)) await p.close();
    await killProcessesMentioning(workerDir);
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(workerDir, { recursive: true, force: true });
  });

  function workerPid(vmId: string): number {
    return Number(readFileSync(join(workerDir, vmId, 'pid'), 'utf8'));
  }

  it('creates a slice: slice_size hosts each run a real worker started over SSH', async () => {
    const p = platform();
    const manager = p.vmManager(group('pair', 2));
    const created = await manager.createSlice({ requestId: 'r-1', labels: { extra: 'x' }, bootstrap, launch });
    expect(created.vms).toHaveLength(2);
    expect(created.state).toBe('initializing');
    expect(created.labels[LABEL_CLUSTER]).toBe('lab');
    await p.settled();
    const [slice] = await manager.listSlices();
    expect(slice?.state).toBe('ready');
    expect(new Set(slice?.vms.map((v) => v.address)).size).toBe(2);
    for (const vm of slice!.vms) {
      expect(pidAlive(workerPid(vm.vmId))).toBe(true);
      await until(() => existsSync(join(workerDir, vm.vmId, 'argv.json')) || undefined, 'the worker to record its argv');
      const seen = JSON.parse(readFileSync(join(workerDir, vm.vmId, 'argv.json'), 'utf8')) as { args: string[]; token: string };
      expect(seen.args).toEqual(expect.arrayContaining(['worker', '--worker-id', vm.vmId, '--attribute', `iris-slice=${slice!.sliceId}`]));
      expect(seen.token).toBe('s3cret-token');
      expect(seen.args.join(' ')).not.toContain('s3cret-token');
    }
    // The program was shipped once per content hash into the hosts' cache.
    expect(readFileSync(join(stateDir, 'manual', 'slices', slice!.sliceId, 'slice.json'), 'utf8')).not.toContain('s3cret-token');
  });

  it('is idempotent by request id, and a new platform instance adopts the running slice', async () => {
    const p = platform();
    const a = await p.vmManager(group('gpu', 1)).createSlice({ requestId: 'same', labels: {}, bootstrap, launch });
    const b = await p.vmManager(group('gpu', 1)).createSlice({ requestId: 'same', labels: {}, bootstrap, launch });
    expect(b.sliceId).toBe(a.sliceId);
    expect(b.vms.map((v) => v.address)).toEqual(a.vms.map((v) => v.address));
    await p.settled();
    const pid = workerPid(a.vms[0]!.vmId);
    // Running the bootstrap again (the create retried) left one worker.
    await p.vmManager(group('gpu', 1)).createSlice({ requestId: 'same', labels: {}, bootstrap, launch });
    expect(workerPid(a.vms[0]!.vmId)).toBe(pid);

    const restarted = platform();
    const adopted = await restarted.vmManager(group('gpu', 1)).listSlices();
    expect(adopted.map((s) => [s.sliceId, s.state])).toEqual([[a.sliceId, 'ready']]);
    expect(await restarted.vmManager(group('pair', 1)).listSlices()).toEqual([]);
    const vms = await restarted.listVms({ labels: { [LABEL_CLUSTER]: 'lab' } });
    expect(vms.map((v) => v.vmId)).toEqual([a.vms[0]!.vmId]);
  });

  it('reports a worker that died on its host as failed', async () => {
    const p = platform();
    const manager = p.vmManager(group('gpu', 1));
    const slice = await manager.createSlice({ requestId: 'dies', labels: {}, bootstrap, launch });
    await p.settled();
    process.kill(workerPid(slice.vms[0]!.vmId), 'SIGKILL');
    await until(async () => (await manager.listSlices())[0]?.vms[0]?.rawState === 'exited', 'the death to show');
    expect((await manager.listSlices())[0]?.state).toBe('failed');
  });

  it('terminates: the worker stops, the host is free again, a second terminate succeeds', async () => {
    const p = platform([HOSTS[0]!]);
    const manager = p.vmManager(group('gpu', 1));
    const slice = await manager.createSlice({ requestId: 't-1', labels: {}, bootstrap, launch });
    await p.settled();
    const pid = workerPid(slice.vms[0]!.vmId);
    // The only host is taken: a second slice is a capacity error.
    await expect(manager.createSlice({ requestId: 't-2', labels: {}, bootstrap, launch })).rejects.toMatchObject({ kind: 'capacity' });
    // Job files a task left in the worker's folder go with it.
    writeFileSync(join(workerDir, slice.vms[0]!.vmId, 'job-file.txt'), 'user data');
    await manager.terminateSlice(slice.sliceId);
    expect(pidAlive(pid)).toBe(false);
    expect(existsSync(join(workerDir, slice.vms[0]!.vmId))).toBe(false);
    expect(existsSync(join(workerDir, 'programs'))).toBe(true);
    await manager.terminateSlice(slice.sliceId);
    expect(await manager.listSlices()).toEqual([]);
    const next = await manager.createSlice({ requestId: 't-2', labels: {}, bootstrap, launch });
    expect(next.vms[0]?.address).toBe(slice.vms[0]?.address);
    await p.settled();
  });

  it('reports a host whose sshd is down and retries it, without blocking the other hosts', async () => {
    await sshd.stopHost(HOSTS[0]!);
    const p = platform([HOSTS[0]!, HOSTS[1]!]);
    const down = await p.vmManager(group('gpu', 1)).createSlice({ requestId: 'down', labels: {}, bootstrap, launch });
    expect(down.vms[0]?.address).toBe(HOSTS[0]);
    const report = await until(() => p.hostReports().find((r) => r.host.startsWith(HOSTS[0]!)), 'the host report');
    expect(report.step).toBe('connect');
    expect(report.error).toMatch(/ECONNREFUSED/);
    await until(async () => (await p.vmManager(group('gpu', 1)).listSlices())[0]?.vms[0]?.rawState === 'retrying', 'the retry to show');
    // Another host bootstraps meanwhile.
    const up = await p.vmManager(group('pair', 1)).createSlice({ requestId: 'up', labels: {}, bootstrap, launch });
    expect(up.vms[0]?.address).toBe(HOSTS[1]);
    await until(async () => (await p.vmManager(group('pair', 1)).listSlices())[0]?.state === 'ready', 'the healthy host');
    // The host comes back: the retry succeeds and the report clears.
    await sshd.startHost(HOSTS[0]!);
    await until(async () => (await p.vmManager(group('gpu', 1)).listSlices())[0]?.state === 'ready', 'the retried host');
    expect(p.hostReports().filter((r) => r.host.startsWith(HOSTS[0]!))).toEqual([]);
  });

  it('refuses a host whose host key changed, naming both fingerprints, gives it up and serves the others', async () => {
    // known_hosts lists the first host with the second host's key: what a reinstalled machine (or
    // an interception) looks like from here.
    const badKnownHosts = join(stateDir, 'known_hosts');
    const lines = readFileSync(sshd.knownHosts, 'utf8').trim().split('\n');
    const first = `[${HOSTS[0]}]:${sshd.host(HOSTS[0]!).port}`;
    const swapped = lines.map((l) => (l.startsWith(`${first} `) ? `${first} ${sshd.host(HOSTS[1]!).hostKeyPub}` : l));
    writeFileSync(badKnownHosts, swapped.join('\n') + '\n');
    const p = platform([HOSTS[0]!, HOSTS[1]!], { known_hosts_file: badKnownHosts });
    const bad = await p.vmManager(group('gpu', 1)).createSlice({ requestId: 'bad-key', labels: {}, bootstrap, launch });
    expect(bad.vms[0]?.address).toBe(HOSTS[0]);
    const good = await p.vmManager(group('pair', 1)).createSlice({ requestId: 'good', labels: {}, bootstrap, launch });
    expect(good.vms[0]?.address).toBe(HOSTS[1]);
    await p.settled();

    const report = p.hostReports().find((r) => r.host === `${HOSTS[0]}:${sshd.host(HOSTS[0]!).port}`);
    expect(report?.step).toBe('connect');
    expect(report?.failures).toBe(1); // given up at once: retrying cannot fix a host key
    const presented = sha256Fingerprint(Buffer.from(sshd.host(HOSTS[0]!).hostKeyPub.split(' ')[1]!, 'base64'));
    const expected = sha256Fingerprint(Buffer.from(sshd.host(HOSTS[1]!).hostKeyPub.split(' ')[1]!, 'base64'));
    expect(report?.error).toContain(`expected ${expected}`);
    expect(report?.error).toContain(`presented ${presented}`);
    const [badSlice] = await p.vmManager(group('gpu', 1)).listSlices();
    expect(badSlice?.state).toBe('failed');
    expect((await p.vmManager(group('pair', 1)).listSlices())[0]?.state).toBe('ready');
    expect(report!.retryAfterMs).toBeGreaterThan(report!.atMs); // a new slice skips it for a while
    // Nothing ever ran there, so the autoscaler's terminate releases the host without reaching it.
    await p.vmManager(group('gpu', 1)).terminateSlice(bad.sliceId);
    expect(await p.vmManager(group('gpu', 1)).listSlices()).toEqual([]);
  });

  it('reports a host that refuses our key and gives it up without retrying', async () => {
    const p = platform([HOSTS[2]!], { ssh_key_file: sshd.refusedKey });
    const slice = await p.vmManager(group('gpu', 1)).createSlice({ requestId: 'refused', labels: {}, bootstrap, launch });
    await p.settled();
    const [report] = p.hostReports();
    expect(report).toMatchObject({ host: `${HOSTS[2]}:${sshd.host(HOSTS[2]!).port}`, step: 'connect', failures: 1 });
    expect(report?.error).toMatch(/refused our key.*authorized_keys/);
    expect(report?.error).not.toContain(readFileSync(sshd.refusedKey, 'utf8').split('\n')[1]!); // no key material
    expect((await p.vmManager(group('gpu', 1)).listSlices())[0]).toMatchObject({ sliceId: slice.sliceId, state: 'failed' });
  });

  it('recovers a host whose sshd stops mid-bootstrap: reported at the step it was in, retried, one worker in the end', async () => {
    // A settle time long enough to stop sshd while the start script runs, even on a loaded machine.
    const warnings: string[] = [];
    deps = { ...deps, logger: { ...deps.logger, warn: (m, f) => void warnings.push(`${m} ${JSON.stringify(f ?? {})}`) } };
    const p = platform([HOSTS[0]!], {}, 8);
    const manager = p.vmManager(group('gpu', 1));
    const slice = await manager.createSlice({ requestId: 'mid', labels: {}, bootstrap, launch });
    await until(async () => (await manager.listSlices())[0]?.vms[0]?.initPhase === 'start' || undefined, 'the start step');
    await sshd.stopHost(HOSTS[0]!);
    // Reported at the step it was in (the next retries fail at connect while sshd is down).
    const failure = await until(() => warnings.find((w) => w.includes('bootstrap failed at start')), 'the failure at start');
    expect(failure).toMatch(/dropped|ECONNREFUSED|ECONNRESET/);
    await until(() => p.hostReports()[0], 'the host report');
    await until(async () => (await manager.listSlices())[0]?.vms[0]?.rawState === 'retrying', 'the retry to show');
    await sshd.startHost(HOSTS[0]!);
    await p.settled();
    const [after] = await manager.listSlices();
    expect(after?.state).toBe('ready');
    expect(p.hostReports()).toEqual([]);
    // The worker the interrupted script had started was adopted, not doubled.
    const vmId = slice.vms[0]!.vmId;
    expect(processesMentioning(vmId)).toEqual([workerPid(vmId)]);
    expect(pidAlive(workerPid(vmId))).toBe(true);
  });

  it('forwards a local port to an HTTP server on a host (tunnel)', async () => {
    const server: Server = createServer((_req, res) => res.end('hello from the host'));
    await new Promise<void>((r) => server.listen(0, HOSTS[2], r));
    const port = (server.address() as { port: number }).port;
    const tunnel = await platform().tunnel(`http://${HOSTS[2]}:${port}`);
    try {
      expect(tunnel.localAddress).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${tunnel.localAddress}/`)).text()).toBe('hello from the host');
    } finally {
      await tunnel.close();
      server.close();
    }
  });

  it('starts, finds and stops the controller on a host', async () => {
    const controllerState = join(workerDir, 'controller');
    const host = platform().controllerHost({
      provider: {
        type: 'manual',
        host: `${HOSTS[1]}:${sshd.host(HOSTS[1]!).port}`,
        port: 10000,
        ssh_user: 'root',
        ssh_key_file: sshd.clientKey,
        known_hosts_file: sshd.knownHosts,
        insecure_skip_host_key_check: false,
      },
      state_dir: controllerState,
      worker_timeout: 60_000,
    });
    expect((await host.status()).running).toBe(false);
    const started = await host.start();
    expect(started.address).toMatch(new RegExp(`^http://${HOSTS[1]!.replace(/\./g, '\\.')}:\\d+$`));
    expect((await host.start()).address).toBe(started.address);
    expect(await host.address()).toBe(started.address);
    const pid = Number(readFileSync(join(controllerState, 'pid'), 'utf8'));
    await host.stop();
    expect(pidAlive(pid)).toBe(false);
    expect((await host.status()).running).toBe(false);
  });
});

describe('manual state map', () => {
  it('maps every raw state, and unknown strings to unknown', () => {
    for (const [raw, state] of Object.entries(MANUAL_STATE_MAP)) expect(mapManualState(raw)).toBe(state);
    expect(MANUAL_STATE_MAP.running).toBe('ready');
    expect(MANUAL_STATE_MAP.ssh_failing).toBe('ready');
    expect(mapManualState('weird')).toBe('unknown');
  });
});
