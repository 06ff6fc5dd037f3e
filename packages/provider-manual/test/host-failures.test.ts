import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isProviderError, type PlatformDeps } from '@iris/core';
import { testPlatformDeps, testScaleGroup, testWorkerBootstrap, testWorkerLaunch } from '@iris/provider-testkit';
import type { ManualProviderConfig } from '../src/config-types.js';
import { ManualPlatform } from '../src/platform/manual-platform.js';
import { SshdHarness, killProcessesMentioning } from './sshd-harness.js';

// Hosts as they fail in the field, against real sshd on loopback: a host that hangs during stop,
// one failing host shared by two groups, a host whose SSH fails while its worker keeps running.
const A = '127.0.0.6';
const B = '127.0.0.7';
const sshd = new SshdHarness();
const program = { packageDir: fileURLToPath(new URL('./fixtures/fake-iris', import.meta.url)), entry: 'bin/iris.js' };
const STOP_GRACE_S = 2;

let stateDir: string;
let workerDir: string;
const platforms: ManualPlatform[] = [];

beforeAll(async () => {
  await sshd.start([A, B]);
});
afterAll(async () => {
  await sshd.stop();
});
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'iris-hostfail-state-'));
  workerDir = mkdtempSync(join(tmpdir(), 'iris-hostfail-hosts-'));
});
afterEach(async () => {
  for (const h of [A, B]) {
    sshd.thawHost(h);
    if (!sshd.host(h).process) await sshd.startHost(h);
  }
  for (const p of platforms.splice(0)) await p.close();
  await killProcessesMentioning(workerDir);
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(workerDir, { recursive: true, force: true });
});

function entry(address: string): string {
  return `${address}:${sshd.host(address).port}`;
}

function platform(hosts: string[], options: { config?: Partial<ManualProviderConfig>; deps?: Partial<PlatformDeps> } = {}): ManualPlatform {
  const config: ManualProviderConfig = {
    type: 'manual',
    hosts: hosts.map(entry),
    ssh_user: 'root',
    ssh_key_file: sshd.clientKey,
    host_key_fingerprints: {},
    known_hosts_file: sshd.knownHosts,
    insecure_skip_host_key_check: false,
    worker_dir: workerDir,
    keep_logs: false,
    ...options.config,
  };
  const deps = testPlatformDeps(stateDir, {
    clusterName: 'field',
    timeouts: { boot: 120_000, init: 120_000, ssh_poll_interval: 200 },
    ssh: { user: 'root', port: 22, connect_timeout: 60_000 },
    ...options.deps,
  });
  const p = new ManualPlatform(config as never, deps, {
    program,
    programCache: join(stateDir, 'programs'),
    settleSeconds: 0.3,
    stopGraceSeconds: STOP_GRACE_S,
  });
  platforms.push(p);
  return p;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function workerPid(vmId: string): number {
  return Number(readFileSync(join(workerDir, vmId, 'pid'), 'utf8'));
}

function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('terminating a slice with a dead host', () => {
  it('stops the reachable host at once and gives up on the dead one within its deadline, saying how to finish', async () => {
    const connectTimeout = 10_000;
    // A poll interval of 10 s keeps the failed host in backoff for 10 s: long enough to see the
    // second terminate skip it even on a loaded machine.
    const p = platform([A, B], {
      deps: { ssh: { user: 'root', port: 22, connect_timeout: connectTimeout }, timeouts: { boot: 120_000, init: 120_000, ssh_poll_interval: 10_000 } },
    });
    const manager = p.vmManager(testScaleGroup('pair', 'manual', { slice_size: 2 }));
    const slice = await manager.createSlice({ requestId: 'dead-stop', labels: {}, bootstrap: testWorkerBootstrap(), launch: testWorkerLaunch() });
    await p.settled();
    expect((await manager.listSlices())[0]?.state).toBe('ready');
    const onA = slice.vms.find((v) => v.address === A)!;
    const onB = slice.vms.find((v) => v.address === B)!;
    const pidA = workerPid(onA.vmId);

    // B hangs: its sshd and open sessions freeze, so connections are accepted and never answered.
    sshd.freezeHost(B);
    const started = Date.now();
    const err = await manager.terminateSlice(slice.sliceId).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    const elapsed = Date.now() - started;
    // The intended cost is the connect timeout (B never answers); the bound is generous for a loaded CI machine.
    expect(elapsed).toBeLessThanOrEqual(3 * connectTimeout + 15_000);
    expect(isProviderError(err)).toBe(true);
    expect(err?.message).toContain(`stopped on ${entry(A)}`);
    expect(err?.message).toContain(`NOT stopped on ${entry(B)}`);
    expect(err?.message).toMatch(/stop it by hand: ssh -p \d+ root@127\.0\.0\.7 /);
    expect(err?.message).not.toMatch(/will retry/);
    // The reachable host was stopped and cleaned up meanwhile.
    expect(alive(pidA)).toBe(false);
    expect(existsSync(join(workerDir, onA.vmId))).toBe(false);
    expect(p.hostReports().find((r) => r.host === entry(B))).toMatchObject({ group: 'pair', reason: 'host_unavailable', step: 'stop' });
    // Asked again at once (the controller's sweep, then the CLI's), the dead host costs nothing more.
    const again = Date.now();
    await expect(manager.terminateSlice(slice.sliceId)).rejects.toThrow(/NOT stopped on 127\.0\.0\.7:\d+ \(no answer within .*next try/);
    expect(Date.now() - again).toBeLessThan(connectTimeout);

    // The host comes back: once its backoff ends, terminating again finishes the job.
    sshd.thawHost(B);
    await until('the terminate to go through', () =>
      manager.terminateSlice(slice.sliceId).then(
        () => true,
        () => false,
      ),
    );
    expect(existsSync(join(workerDir, onB.vmId))).toBe(false);
    expect(await manager.listSlices()).toEqual([]);
  });
});

describe('one failing host shared by two groups', () => {
  it('reports the host once per group, and a create that only failing hosts could serve as host_unavailable, not capacity', async () => {
    // A refused key fails at connect at once (only an operator can fix it). A long poll interval
    // keeps the host in backoff long enough to see the refusal of a create.
    const p = platform([A], { config: { ssh_key_file: sshd.refusedKey }, deps: { timeouts: { boot: 120_000, init: 120_000, ssh_poll_interval: 3_000 } } });
    const gpu = p.vmManager(testScaleGroup('gpu', 'manual'));
    const cpu = p.vmManager(testScaleGroup('cpu', 'manual'));

    const first = await gpu.createSlice({ requestId: 'g-1', labels: {}, bootstrap: testWorkerBootstrap(), launch: testWorkerLaunch() });
    await p.settled();
    const [failed] = await gpu.listSlices();
    expect(failed?.state).toBe('failed');
    expect(failed?.rawState).toMatch(new RegExp(`^host_unavailable: ${entry(A).replace(/\./g, '\\.')}: connect: .*refused our key`));
    await gpu.terminateSlice(first.sliceId);

    // While the host is in backoff, the other group's create is refused as host_unavailable.
    const refused = await cpu.createSlice({ requestId: 'c-0', labels: {}, bootstrap: testWorkerBootstrap(), launch: testWorkerLaunch() }).then(
      () => undefined,
      (e: unknown) => e as Error & { kind?: string; retryAfterMs?: number },
    );
    expect(refused?.kind).toBe('transient');
    expect(refused?.message).toMatch(/^host_unavailable: manual group "cpu": all 1 free host\(s\) are failing/);
    expect(refused?.message).toContain(`${entry(A)}: connect failed`);
    expect(refused?.message).toContain('next try');
    expect(refused?.retryAfterMs).toBeGreaterThan(0);

    // After the backoff the other group tries the host and fails the same way.
    const second = await until('the host to leave backoff', async () =>
      cpu.createSlice({ requestId: 'c-1', labels: {}, bootstrap: testWorkerBootstrap(), launch: testWorkerLaunch() }).catch(() => undefined),
    );
    await p.settled();
    const reports = p.hostReports().filter((r) => r.host === entry(A));
    expect(reports.map((r) => r.group).sort()).toEqual(['cpu', 'gpu']);
    for (const r of reports) expect(r).toMatchObject({ reason: 'host_unavailable', step: 'connect' });
    await cpu.terminateSlice(second.sliceId);
  });
});

describe('a host whose SSH fails while its worker keeps running', () => {
  it('stays ready (the controller judges the worker by heartbeats) and the host report says SSH is failing', async () => {
    const p = platform([A]);
    const manager = p.vmManager(testScaleGroup('lab', 'manual'));
    const slice = await manager.createSlice({ requestId: 'ssh-fails', labels: {}, bootstrap: testWorkerBootstrap(), launch: testWorkerLaunch() });
    await p.settled();
    const pid = workerPid(slice.vms[0]!.vmId);
    await sshd.stopHost(A);
    const [listed] = await manager.listSlices();
    expect(listed?.state).toBe('ready');
    expect(listed?.vms[0]?.rawState).toBe('ssh_failing');
    expect(alive(pid)).toBe(true);
    const report = p.hostReports().find((r) => r.host === entry(A));
    expect(report).toMatchObject({ group: 'lab', step: 'status', reason: 'host_unavailable' });
    expect(report?.error).toMatch(/SSH is failing/);
    // SSH is back: once the host's backoff ends it is asked again, and the report clears.
    await sshd.startHost(A);
    await until('SSH to answer again', async () => (await manager.listSlices())[0]?.vms[0]?.rawState === 'running');
    expect(p.hostReports()).toEqual([]);
    await manager.terminateSlice(slice.sliceId);
  });
});

describe('keep_logs', () => {
  it('keeps a terminated slice’s folder when the group asks for it', async () => {
    const p = platform([B], { config: { keep_logs: true } });
    const manager = p.vmManager(testScaleGroup('lab', 'manual'));
    const slice = await manager.createSlice({ requestId: 'keep', labels: {}, bootstrap: testWorkerBootstrap(), launch: testWorkerLaunch() });
    await p.settled();
    await manager.terminateSlice(slice.sliceId);
    const dir = join(workerDir, slice.vms[0]!.vmId);
    expect(existsSync(join(dir, 'worker.log'))).toBe(true);
    expect(existsSync(join(dir, 'pid'))).toBe(false);
  });
});
