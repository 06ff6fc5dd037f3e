import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock, isProviderError, silentLogger, type PlatformDeps } from '@iris/core';
import { HelloPlatform } from '../src/index.js';
import { helloGroup, workerBootstrap, workerLaunch } from './hello-fixture.js';

const fakeIris = fileURLToPath(new URL('./fixtures/fake-iris.mjs', import.meta.url));

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('HelloPlatform', () => {
  let stateDir: string;
  let deps: PlatformDeps;

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'hello-platform-'));
    deps = {
      clusterName: 'demo',
      bootstrap: { worker_port: 0, cache_dir: stateDir, env: {} },
      timeouts: { boot: 60_000, init: 60_000, ssh_poll_interval: 1_000 },
      ssh: { user: 'root', port: 22, connect_timeout: 10_000 },
      clock: new SystemClock(),
      logger: silentLogger,
      stateDir,
      irisCommand: [process.execPath, fakeIris],
    };
  });

  afterEach(async () => {
    const manager = new HelloPlatform({ type: 'hello' }, deps).vmManager(helloGroup(1));
    for (const s of await manager.listSlices()) await manager.terminateSlice(s.sliceId);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts each VM as `iris worker` with the greeting attribute, the token in its environment only', async () => {
    const platform = new HelloPlatform({ type: 'hello', greeting: 'bonjour' }, deps);
    const slice = await platform.vmManager(helloGroup(1)).createSlice({ requestId: 'r', labels: {}, bootstrap: workerBootstrap, launch: workerLaunch });
    const argvFile = join(stateDir, 'hello-workers', slice.sliceId, 'vm-0', 'argv.json');
    await until(() => existsSync(argvFile), 'the worker to start');
    const seen = JSON.parse(readFileSync(argvFile, 'utf8')) as { args: string[]; token: string };
    expect(seen.args).toEqual(expect.arrayContaining(['worker', '--worker-id', slice.vms[0]!.vmId, '--attribute', 'greeting=bonjour']));
    expect(seen.token).toBe('ij_hello-token');
    expect(seen.args.join(' ')).not.toContain('ij_hello-token');
  });

  it('stopVms ends the whole slice of a VM', async () => {
    const platform = new HelloPlatform({ type: 'hello' }, deps);
    const manager = platform.vmManager(helloGroup(2));
    const slice = await manager.createSlice({ requestId: 's', labels: {}, bootstrap: workerBootstrap, launch: workerLaunch });
    await platform.stopVms([slice.vms[1]!.vmId]);
    expect(await manager.listSlices()).toEqual([]);
  });

  it('refuses to start loose VMs or host the controller, as invalid_request', async () => {
    const platform = new HelloPlatform({ type: 'hello' }, deps);
    const loose = await platform.startVms({ count: 1, labels: {}, bootstrap: workerBootstrap }).catch((e: unknown) => e);
    expect(isProviderError(loose) && loose.kind).toBe('invalid_request');
    const host = await platform
      .controllerHost({ provider: { type: 'local' }, state_dir: stateDir, worker_timeout: 1 })
      .start()
      .catch((e: unknown) => e);
    expect(isProviderError(host) && host.kind).toBe('invalid_request');
  });

  it('refuses to create without an iris command', async () => {
    const { irisCommand: _, ...without } = deps;
    const err = await new HelloPlatform({ type: 'hello' }, without)
      .vmManager(helloGroup(1))
      .createSlice({ requestId: 'x', labels: {}, bootstrap: workerBootstrap, launch: workerLaunch })
      .catch((e: unknown) => e);
    expect(isProviderError(err) && err.kind).toBe('invalid_request');
  });
});
