import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProviderError, LABEL_CLUSTER, LABEL_ROLE, type ControllerConfig } from '@iris/core';
import type { GcpPlatform } from '../src/platform/gcp-platform.js';
import type { GcpEmulator } from './emulator/gcp-emulator.js';
import { emulatedPlatform, startEmulator, ZONES } from './platform-fixture.js';

describe('controller on a GCE VM through the real @google-cloud/compute client', () => {
  let emulator: GcpEmulator;
  let endpoint: string;
  let platform: GcpPlatform;
  let health: Server;
  let healthPort: number;

  beforeEach(async () => {
    ({ emulator, endpoint } = await startEmulator());
    platform = emulatedPlatform(endpoint);
    // Stands in for the controller the VM would run: the emulator gives instances 127.0.0.1.
    health = createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end('{}'));
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    healthPort = (health.address() as AddressInfo).port;
  });

  afterEach(async () => {
    await platform.close();
    await emulator.stop();
    await new Promise<void>((resolve) => health.close(() => resolve()));
  });

  function controller(port = healthPort): ControllerConfig {
    return {
      provider: { type: 'gcp', machine_type: 'n2-standard-4', boot_disk_size_gb: 50, port },
      state_dir: '/var/lib/iris',
      worker_timeout: 60_000,
      image: 'europe-docker.pkg.dev/p/iris/iris-controller:1',
    };
  }

  it('creates the instance, labelled, with a startup script running the controller image', async () => {
    const host = platform.controllerHost(controller());
    expect(await host.status()).toEqual({ running: false });
    const status = await host.start();
    expect(status).toMatchObject({ running: true, address: `http://127.0.0.1:${healthPort}`, location: `iris-test/${ZONES[0]}/iris-controller-demo` });
    expect(await host.address()).toBe(`http://127.0.0.1:${healthPort}`);
    const [instance] = [...emulator.compute.instances.values()];
    expect(instance?.labels).toEqual({ [LABEL_CLUSTER]: 'demo', [LABEL_ROLE]: 'controller' });
    expect(instance?.machineType).toBe(`zones/${ZONES[0]}/machineTypes/n2-standard-4`);
    const script = instance?.metadata.items.find((i) => i.key === 'startup-script')?.value ?? '';
    expect(script).toContain("IRIS_CONTROLLER_IMAGE='europe-docker.pkg.dev/p/iris/iris-controller:1'");
    expect(script).toContain(`IRIS_CONTROLLER_PORT='${healthPort}'`);
  });

  it('reuses a healthy controller instead of making a second one', async () => {
    await platform.controllerHost(controller()).start();
    const again = emulatedPlatform(endpoint);
    try {
      const status = await again.controllerHost(controller()).start();
      expect(status.running).toBe(true);
      expect(emulator.compute.instances.size).toBe(1);
      expect(emulator.requests.filter((r) => r.startsWith('POST') && r.endsWith('/instances'))).toHaveLength(1);
    } finally {
      await again.close();
    }
  });

  it('replaces a stopped controller VM', async () => {
    const host = platform.controllerHost(controller());
    await host.start();
    emulator.compute.stopInstance('iris-test', ZONES[0], 'iris-controller-demo');
    expect(await host.status()).toMatchObject({ running: false, detail: 'instance is TERMINATED' });
    expect((await host.start()).running).toBe(true);
    expect([...emulator.compute.instances.values()].map((i) => i.status)).toEqual(['RUNNING']);
    expect(emulator.requests.filter((r) => r.startsWith('DELETE'))).toHaveLength(1);
  });

  it('reports a running VM whose controller does not answer as not running', async () => {
    await platform.controllerHost(controller()).start();
    const unreachable = platform.controllerHost(controller(1));
    expect(await unreachable.status()).toMatchObject({ running: false, detail: expect.stringContaining('/health') });
    expect(await unreachable.address()).toBeUndefined();
  });

  it('stop deletes the instance, and stopping again is a no-op', async () => {
    const host = platform.controllerHost(controller());
    await host.start();
    await host.stop();
    expect(emulator.compute.instances.size).toBe(0);
    await host.stop();
    expect(await host.status()).toEqual({ running: false });
  });

  it('maps Compute errors to provider errors', async () => {
    emulator.faults.add({ at: 'request', kind: 'quota', times: 1 });
    const err = await platform.controllerHost(controller()).start().catch((e: unknown) => e);
    expect(isProviderError(err) && err.kind).toBe('quota');
  });

  it('refuses to create a controller without an image', async () => {
    const { image: _image, ...noImage } = controller();
    const err = await platform.controllerHost(noImage).start().catch((e: unknown) => e);
    expect(isProviderError(err) && err.kind).toBe('invalid_request');
    expect(emulator.compute.instances.size).toBe(0);
  });
});
