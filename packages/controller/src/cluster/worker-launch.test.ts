import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FakeClock, hasErrorCode, type ClusterConfig, type Platform } from '@iris/core';
import { DEFAULT_CONFIG } from '@iris/core/config';
import { CredentialStore } from '../auth/credential-store.js';
import { testScaleGroup } from '../autoscaler/testing/fixtures.js';
import {
  controllerUrlForGroup,
  joinTokenTtlMs,
  normalizeControllerAddress,
  planWorkerLaunches,
  workerLaunchFactory,
  WORKER_LAUNCH_ERROR,
} from './worker-launch.js';

const remote = { type: 'manual' } as Platform;
const local = { type: 'local', vmsShareControllerHost: true } as Platform;
const answering = { type: 'gcp', controllerUrlForVms: (bound: string) => `http://10.128.0.7:${new URL(bound).port}` } as unknown as Platform;

async function failure(work: Promise<unknown>): Promise<Error> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(hasErrorCode(err, WORKER_LAUNCH_ERROR), String(err)).toBe(true);
  return err as Error;
}

describe('the controller address a group’s VMs dial', () => {
  it('takes an explicit controller_address first, filling in the bound port when it names none', async () => {
    expect(await controllerUrlForGroup('g', answering, 'http://0.0.0.0:7000', 'ctl.lab:9000')).toEqual({
      controllerUrl: 'http://ctl.lab:9000',
      source: 'controller_address',
    });
    expect(await controllerUrlForGroup('g', remote, 'http://0.0.0.0:7000', '10.0.0.5')).toEqual({
      controllerUrl: 'http://10.0.0.5:7000',
      source: 'controller_address',
    });
    expect(normalizeControllerAddress('https://ctl.example/', 'http://127.0.0.1:1')).toBe('https://ctl.example:1');
  });

  it('then the advertised URL, before the provider’s answer', async () => {
    expect(await controllerUrlForGroup('g', answering, 'http://0.0.0.0:7000', undefined, 'http://10.1.2.3:7000')).toEqual({
      controllerUrl: 'http://10.1.2.3:7000',
      source: 'advertised',
    });
    expect((await controllerUrlForGroup('g', answering, 'http://0.0.0.0:7000', 'ctl:1', 'http://10.1.2.3:7000')).source).toBe('controller_address');
  });

  it('else the provider’s answer (e.g. the GCE VM’s internal IP)', async () => {
    expect(await controllerUrlForGroup('tpu', answering, 'http://0.0.0.0:7000', undefined)).toEqual({
      controllerUrl: 'http://10.128.0.7:7000',
      source: 'provider',
    });
  });

  it('gives a bind or loopback address only to VMs on the controller’s machine (0.0.0.0 becomes 127.0.0.1)', async () => {
    expect((await controllerUrlForGroup('cpu', local, 'http://0.0.0.0:7000', undefined)).controllerUrl).toBe('http://127.0.0.1:7000');
    expect((await controllerUrlForGroup('cpu', local, 'http://127.0.0.1:7000', undefined)).controllerUrl).toBe('http://127.0.0.1:7000');
  });

  it('refuses to tell remote VMs a bind or loopback address, naming the group and the setting to add', async () => {
    for (const bound of ['http://0.0.0.0:7000', 'http://127.0.0.1:7000', 'http://localhost:7000']) {
      const err = await failure(controllerUrlForGroup('lab_boxes', remote, bound, undefined));
      expect(err.message).toMatch(/scale_groups\.lab_boxes: workers of provider "manual" run on other machines/);
      expect(err.message).toContain('set defaults.bootstrap.controller_address');
    }
    const explicit = await failure(controllerUrlForGroup('lab_boxes', remote, 'http://10.0.0.2:7000', '0.0.0.0'));
    expect(explicit.message).toMatch(/scale_groups\.lab_boxes: defaults\.bootstrap\.controller_address http:\/\/0\.0\.0\.0:7000 is a bind address/);
  });

  it('uses a routable bound address as it is', async () => {
    expect((await controllerUrlForGroup('g', remote, 'http://10.0.0.2:7000', undefined)).controllerUrl).toBe('http://10.0.0.2:7000');
  });
});

describe('the launch of each slice create', () => {
  const config = (): ClusterConfig =>
    ({
      ...DEFAULT_CONFIG,
      name: 'c',
      plugins: [],
      defaults: { ...DEFAULT_CONFIG.defaults, bootstrap: { ...DEFAULT_CONFIG.defaults.bootstrap, env: { HF_HOME: '/cache' } } },
      scale_groups: { tpu: testScaleGroup('tpu', { slice_size: 4, accelerator_type: 'tpu', accelerator_variant: 'v5litepod-16', attributes: { rack: 'r1' } }) },
    }) as unknown as ClusterConfig;

  it('lives requesting_timeout + max(startup_grace, boot + init)', () => {
    const c = config();
    const { requesting_timeout, startup_grace } = c.defaults.autoscaler;
    const { boot, init } = c.defaults.timeouts;
    expect(joinTokenTtlMs(c)).toBe(requesting_timeout + Math.max(startup_grace, boot + init));
  });

  it('is planned once per group and mints a fresh join token, with slice_size uses, per create', async () => {
    const clock = new FakeClock(5_000);
    const credentials = new CredentialStore(new Database(':memory:'), clock);
    const plans = await planWorkerLaunches(config(), new Map([['tpu', answering]]), 'http://0.0.0.0:7000');
    const launch = workerLaunchFactory(plans, credentials);
    const a = launch(config().scale_groups['tpu']!, 'req-a');
    const b = launch(config().scale_groups['tpu']!, 'req-b');
    expect(a.controllerUrl).toBe('http://10.128.0.7:7000');
    expect(a.joinToken).not.toBe(b.joinToken);
    expect(a.joinTokenExpiresAtMs).toBe(5_000 + joinTokenTtlMs(config()));
    expect(a.env).toEqual({ HF_HOME: '/cache' });
    expect(a.attributes).toMatchObject({ rack: 'r1', 'scale-group': 'tpu', 'accelerator-type': 'tpu', 'accelerator-variant': 'v5litepod-16' });
    for (let i = 0; i < 4; i++) credentials.claim(a.joinToken, `vm-${i}`);
    expect(() => credentials.claim(a.joinToken, 'vm-4')).toThrow(/already used by 4/);
  });

  it('fails the start for a remote group without a reachable address', async () => {
    const err = await failure(planWorkerLaunches(config(), new Map([['tpu', remote]]), 'http://127.0.0.1:7000'));
    expect(err.message).toContain('scale_groups.tpu');
  });
});
