import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testPlatformDeps, testScaleGroup, testWorkerBootstrap, testWorkerLaunch } from '@iris/provider-testkit';
import { LABEL_CLUSTER, isProviderError, type PlatformDeps, type ScaleGroupConfig, type VmBootstrapSpec } from '@iris/core';
import { LocalPlatform } from '../src/platform/local-platform.js';
import { isOurProcessAlive } from '../src/platform/process-control.js';
import { LOCAL_STATE_MAP, mapLocalState } from '../src/platform/local-state-map.js';

const fakeIris = fileURLToPath(new URL('./fixtures/fake-iris.mjs', import.meta.url));

function group(name: string, sliceSize: number): ScaleGroupConfig {
  return testScaleGroup(name, 'local', {
    slice_size: sliceSize,
    resources: { cpu: 2, ram: 4e9, disk: 10e9, gpu_count: 0, tpu_count: 0 },
    attributes: { rack: 'a' },
  });
}

const bootstrap: VmBootstrapSpec = testWorkerBootstrap();
// The controller passes the group's attributes and the slice's join token on the launch.
const launch = testWorkerLaunch({ joinToken: 's3cret', attributes: { rack: 'a' } });

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LocalPlatform', () => {
  let stateDir: string;
  let deps: PlatformDeps;

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'iris-local-'));
    deps = testPlatformDeps(stateDir, { clusterName: 'Test Cluster', irisCommand: [process.execPath, fakeIris] });
  });

  afterEach(async () => {
    // Leave no worker process behind, whatever a test did.
    const p = new LocalPlatform({ type: 'local' }, deps);
    for (const g of ['cpu', 'gang']) {
      const m = p.vmManager(group(g, 1));
      for (const s of await m.listSlices()) await m.terminateSlice(s.sliceId);
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  function platform(): LocalPlatform {
    return new LocalPlatform({ type: 'local' }, deps);
  }

  it('creates a slice of slice_size worker processes, each in its own directory', async () => {
    const manager = platform().vmManager(group('gang', 3));
    const slice = await manager.createSlice({ requestId: 'r-1', labels: { extra: 'x' }, bootstrap, launch });
    expect(slice.vms).toHaveLength(3);
    expect(slice.group).toBe('gang');
    expect(slice.labels[LABEL_CLUSTER]).toBe('test-cluster');
    expect(slice.labels.extra).toBe('x');
    const dirs = new Set<string>();
    for (const vm of slice.vms) {
      const dir = join(stateDir, 'local-workers', slice.sliceId, `vm-${vm.vmId.split('-').pop()}`);
      dirs.add(dir);
      await until(() => existsSync(join(dir, 'argv.json')), `worker ${vm.vmId} to start`);
      const seen = JSON.parse(readFileSync(join(dir, 'argv.json'), 'utf8')) as { args: string[]; token: string; vmAddress: string };
      expect(seen.args).toEqual(expect.arrayContaining(['worker', '--worker-id', vm.vmId, '--attribute', 'rack=a']));
      expect(seen.args).toContain(`iris-slice=${slice.sliceId}`);
      // The join token reaches the worker through its environment, not its argv; its VM id is its identity.
      expect(seen.token).toBe('s3cret');
      expect(seen.vmAddress).toBe(vm.vmId);
      expect(seen.args.join(' ')).not.toContain('s3cret');
    }
    expect(dirs.size).toBe(3);
    const listed = await manager.listSlices();
    expect(listed.map((s) => s.state)).toEqual(['ready']);
  });

  it('is idempotent by request id and adopts slices after a restart', async () => {
    const first = platform().vmManager(group('cpu', 1));
    const a = await first.createSlice({ requestId: 'same', labels: {}, bootstrap, launch });
    const b = await first.createSlice({ requestId: 'same', labels: {}, bootstrap, launch });
    expect(b.sliceId).toBe(a.sliceId);
    expect(b.vms.map((v) => v.vmId)).toEqual(a.vms.map((v) => v.vmId));
    // A new platform instance (a restarted controller) finds the same slice from disk.
    const adopted = await platform().vmManager(group('cpu', 1)).listSlices();
    expect(adopted.map((s) => s.sliceId)).toEqual([a.sliceId]);
    // Another group's manager does not see it.
    expect(await platform().vmManager(group('gang', 1)).listSlices()).toEqual([]);
  });

  it('terminates a slice: processes end, directory removed, a second call succeeds', async () => {
    const manager = platform().vmManager(group('cpu', 2));
    const slice = await manager.createSlice({ requestId: 'r-t', labels: {}, bootstrap, launch });
    const record = JSON.parse(readFileSync(join(stateDir, 'local-workers', slice.sliceId, 'slice.json'), 'utf8')) as {
      vms: { pid: number; vmId: string }[];
    };
    for (const vm of record.vms) expect(isOurProcessAlive(vm.pid, vm.vmId)).toBe(true);
    await manager.terminateSlice(slice.sliceId);
    for (const vm of record.vms) expect(isOurProcessAlive(vm.pid, vm.vmId)).toBe(false);
    expect(existsSync(join(stateDir, 'local-workers', slice.sliceId))).toBe(false);
    await manager.terminateSlice(slice.sliceId);
    expect(await manager.listSlices()).toEqual([]);
  });

  it('reports a worker process that died as failed, with its raw state', async () => {
    deps.irisCommand = [process.execPath, fakeIris];
    process.env.FAKE_WORKER_EXIT = '1';
    try {
      const manager = platform().vmManager(group('cpu', 1));
      const slice = await manager.createSlice({ requestId: 'dies', labels: {}, bootstrap, launch });
      await until(() => {
        const pid = (
          JSON.parse(readFileSync(join(stateDir, 'local-workers', slice.sliceId, 'slice.json'), 'utf8')) as {
            vms: { pid: number; vmId: string }[];
          }
        ).vms[0]!;
        return !isOurProcessAlive(pid.pid, pid.vmId);
      }, 'the worker to exit');
      const [listed] = await manager.listSlices();
      expect(listed?.state).toBe('failed');
      expect(listed?.vms[0]?.rawState).toBe('exited');
    } finally {
      delete process.env.FAKE_WORKER_EXIT;
    }
  });

  it('refuses to create without a controller address, as an invalid_request ProviderError', async () => {
    const manager = platform().vmManager(group('cpu', 1));
    const err = await manager.createSlice({ requestId: 'x', labels: {}, bootstrap, launch: testWorkerLaunch({ controllerUrl: '' }) }).catch((e: unknown) => e);
    expect(isProviderError(err)).toBe(true);
    expect((err as { kind: string }).kind).toBe('invalid_request');
    expect(await manager.listSlices()).toEqual([]);
  });

  it('runs the controller as a detached process, finds it by state_dir and stops it', async () => {
    const host = platform().controllerHost({
      provider: { type: 'local', port: 0 },
      state_dir: join(stateDir, 'controller'),
      worker_timeout: 60_000,
    });
    expect((await host.status()).running).toBe(false);
    const started = await host.start();
    expect(started.running).toBe(true);
    expect(started.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Starting again reuses the running controller.
    expect((await host.start()).address).toBe(started.address);
    expect(await host.address()).toBe(started.address);
    await host.stop();
    expect((await host.status()).running).toBe(false);
  });

  it('says why a controller that exits during start-up failed, from its own last words', async () => {
    const host = platform().controllerHost({ provider: { type: 'local', port: 0 }, state_dir: join(stateDir, 'failing'), worker_timeout: 60_000 });
    process.env.FAKE_CONTROLLER_FAIL = 'scale_groups.lab: set defaults.bootstrap.controller_address';
    try {
      await expect(host.start()).rejects.toThrow(
        /the controller exited during start-up: iris: scale_groups\.lab: set defaults\.bootstrap\.controller_address; see .*controller\.log/,
      );
    } finally {
      delete process.env.FAKE_CONTROLLER_FAIL;
    }
  });
});

describe('local state map', () => {
  it('maps every raw state, and unknown strings to unknown', () => {
    expect(LOCAL_STATE_MAP).toEqual({ spawning: 'booting', running: 'ready', exited: 'failed', stopping: 'terminating' });
    for (const [raw, state] of Object.entries(LOCAL_STATE_MAP)) expect(mapLocalState(raw)).toBe(state);
    expect(mapLocalState('weird')).toBe('unknown');
  });
});
