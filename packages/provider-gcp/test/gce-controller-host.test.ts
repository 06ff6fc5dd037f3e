import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isProviderError, LABEL_CLUSTER, LABEL_ROLE, type ControllerConfig, type PlatformDeps } from '@iris/core';
import { SshdHarness } from '@iris/provider-manual/testing';
import type { GcpControllerConfig } from '../src/config-types.js';
import { GcpControllerPlatform } from '../src/controller/gcp-controller-platform.js';
import type { EmulatedInstance } from './emulator/compute-api.js';
import type { GcpEmulator } from './emulator/gcp-emulator.js';
import { platformDeps, startEmulator, ZONES } from './platform-fixture.js';

/** The emulated controller VM's external address: its sshd listens there. */
const VM_ADDRESS = '127.0.0.31';
const PROJECT = 'iris-test';

describe('the controller on a GCE VM (real @google-cloud/compute client, real sshd)', () => {
  let sshd: SshdHarness;
  let dir: string;
  let emulator: GcpEmulator;
  let endpoint: string;
  let health: Server;
  let healthPort: number;
  let platforms: GcpControllerPlatform[];
  /** The host key the VM publishes in its guest attributes. */
  let publishedKey: string;

  beforeAll(async () => {
    sshd = new SshdHarness();
    await sshd.start([VM_ADDRESS]);
  }, 90_000);

  afterAll(async () => {
    await sshd.stop();
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iris-gce-host-'));
    ({ emulator, endpoint } = await startEmulator());
    // The VM's internal address is where the "controller" answers; its external one runs sshd.
    emulator.compute.instanceIp = '127.0.0.1';
    emulator.compute.externalIp = VM_ADDRESS;
    publishedKey = sshd.host(VM_ADDRESS).hostKeyPub;
    emulator.compute.listeners.push({
      running: (project: string, zone: string, instance: EmulatedInstance) => {
        const [type, blob] = publishedKey.split(' ');
        emulator.compute.setGuestAttribute(project, zone, instance.name, `hostkeys/${type}`, blob!);
      },
      gone: () => undefined,
    });
    health = createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end('{}'));
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    healthPort = (health.address() as AddressInfo).port;
    mkdirState();
    platforms = [];
  });

  afterEach(async () => {
    for (const p of platforms) await p.close();
    await emulator.stop();
    await new Promise<void>((resolve) => health.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  function mkdirState(): void {
    writeFileSync(join(dir, 'token'), 'the-master-token\n', { mode: 0o600 });
    writeFileSync(join(dir, 'cluster.yaml'), 'name: demo\n# the cluster file the VM runs\n');
  }

  function providerBlock(overrides: Partial<GcpControllerConfig> = {}): GcpControllerConfig {
    return {
      type: 'gcp',
      project_id: PROJECT,
      zone: ZONES[0],
      machine_type: 'n2-standard-4',
      boot_disk_size_gb: 50,
      port: healthPort,
      api_endpoint: endpoint,
      state_disk_size_gb: 20,
      state_mount: dir,
      access: 'ssh',
      ...overrides,
    };
  }

  function deps(): PlatformDeps {
    const base = platformDeps();
    return {
      ...base,
      timeouts: { ...base.timeouts, boot: 20_000, init: 0 },
      ssh: { user: 'root', port: sshd.host(VM_ADDRESS).port, key_file: sshd.clientKey, connect_timeout: 30_000 },
      clusterFile: join(dir, 'cluster.yaml'),
    };
  }

  function platform(overrides: Partial<GcpControllerConfig> = {}): GcpControllerPlatform {
    const p = new GcpControllerPlatform({ ...providerBlock(overrides) }, deps(), { operationPollMs: 5, operationTimeoutMs: 10_000 });
    platforms.push(p);
    return p;
  }

  function controller(overrides: Partial<GcpControllerConfig> = {}, image: string | null = 'europe-docker.pkg.dev/p/iris/iris-controller:1'): ControllerConfig {
    return { provider: { ...providerBlock(overrides) }, state_dir: '/nonexistent', worker_timeout: 60_000, ...(image ? { image } : {}) };
  }

  it('creates the state disk and a labelled VM that gets the cluster file, the startup script and the SSH key', async () => {
    const host = platform().controllerHost(controller());
    expect(await host.status()).toEqual({ running: false });
    const status = await host.start();
    expect(status).toMatchObject({ running: true, address: `http://127.0.0.1:${healthPort}`, location: `${PROJECT}/${ZONES[0]}/iris-controller-demo` });
    const [disk] = [...emulator.compute.disks.values()];
    expect(disk).toMatchObject({ name: 'iris-state-demo', sizeGb: '20', labels: { [LABEL_CLUSTER]: 'demo', [LABEL_ROLE]: 'controller-state' } });
    const [instance] = [...emulator.compute.instances.values()];
    expect(instance?.labels).toEqual({ [LABEL_CLUSTER]: 'demo', [LABEL_ROLE]: 'controller' });
    expect(instance?.disks).toContainEqual({
      deviceName: 'iris-state',
      source: `projects/${PROJECT}/zones/${ZONES[0]}/disks/iris-state-demo`,
      boot: false,
      autoDelete: false,
    });
    const meta = (key: string): string => instance?.metadata.items.find((i) => i.key === key)?.value ?? '';
    expect(meta('iris-cluster-yaml')).toBe('name: demo\n# the cluster file the VM runs\n');
    expect(meta('startup-script')).toContain("IRIS_CONTROLLER_IMAGE='europe-docker.pkg.dev/p/iris/iris-controller:1'");
    expect(meta('startup-script')).toContain(`IRIS_STATE_MOUNT='${dir}'`);
    expect(meta('startup-script')).toContain('--advertise-url "http://${INTERNAL_IP}:${IRIS_CONTROLLER_PORT}"');
    expect(meta('ssh-keys')).toMatch(/^root:ssh-ed25519 AAAA/);
    // The master token stays on the VM: no metadata carries it.
    expect(JSON.stringify(instance?.metadata)).not.toContain('the-master-token');
  });

  it('reads the token over SSH and tunnels to the VPC address, with the host key the VM published', async () => {
    const p = platform();
    const host = p.controllerHost(controller());
    const { address } = await host.start();
    expect(await host.readToken?.()).toBe('the-master-token');
    const tunnel = await p.tunnel(address!);
    try {
      expect(tunnel.localAddress).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(tunnel.localAddress).not.toBe(address);
      expect((await fetch(`${tunnel.localAddress}/health`)).status).toBe(200);
    } finally {
      await tunnel.close();
    }
  });

  it('refuses a VM whose SSH host key is not the published one', async () => {
    const p = platform();
    const host = p.controllerHost(controller());
    await host.start();
    publishedKey = sshd.host(VM_ADDRESS).hostKeyPub.replace(/ .*/, ' AAAAC3NzaC1lZDI1NTE5AAAAIBGdyNqJsRhr4OgaxrdXlNhcEEzy0tKHaYp3Ng1t4P9u');
    const [type, blob] = publishedKey.split(' ');
    emulator.compute.setGuestAttribute(PROJECT, ZONES[0], 'iris-controller-demo', `hostkeys/${type}`, blob!);
    const err = await p.tunnel(`http://127.0.0.1:${healthPort}`).catch((e: unknown) => e);
    expect(isProviderError(err) && err.kind).toBe('auth');
    expect((err as Error).message).toMatch(
      /host key SHA256:\S+ is not the one the guest attributes of iris-test\/europe-west4-b\/iris-controller-demo publishes/,
    );
    expect(await host.status()).toMatchObject({ running: false, detail: expect.stringContaining('host key') });
  });

  it('reports a VM whose controller does not answer as not running, with the boot phase it reported', async () => {
    await platform().controllerHost(controller()).start();
    emulator.compute.setGuestAttribute(PROJECT, ZONES[0], 'iris-controller-demo', 'iris/phase', 'docker_pull');
    const silent = platform({ port: 1 }).controllerHost(controller({ port: 1 }));
    expect(await silent.status()).toMatchObject({
      running: false,
      detail: expect.stringMatching(/^instance is RUNNING \(boot phase: docker_pull\) but the controller does not answer: /),
    });
    expect(await silent.address()).toBeUndefined();
  });

  it('replaces a stopped VM and attaches the same state disk again; stop keeps the disk', async () => {
    const host = platform().controllerHost(controller());
    await host.start();
    emulator.compute.stopInstance(PROJECT, ZONES[0], 'iris-controller-demo');
    expect(await host.status()).toMatchObject({ running: false, detail: 'instance is TERMINATED' });
    expect((await host.start()).running).toBe(true);
    expect([...emulator.compute.instances.values()].map((i) => i.status)).toEqual(['RUNNING']);
    expect(emulator.requests.filter((r) => r.startsWith('POST') && r.endsWith('/disks'))).toHaveLength(1);
    expect(emulator.compute.disks.get(`${PROJECT}/${ZONES[0]}/iris-state-demo`)?.users).toHaveLength(1);
    await host.stop();
    expect(emulator.compute.instances.size).toBe(0);
    expect(emulator.compute.disks.get(`${PROJECT}/${ZONES[0]}/iris-state-demo`)?.users).toEqual([]);
    await host.stop();
    expect(await host.status()).toEqual({ running: false });
  });

  it('with access: direct, asks for no external IP and calls the address itself; keeps a reserved internal IP', async () => {
    const p = platform({ access: 'direct', internal_ip: '127.0.0.1' });
    emulator.compute.instanceIp = '10.0.0.99';
    const host = p.controllerHost(controller({ access: 'direct', internal_ip: '127.0.0.1' }));
    expect((await host.start()).running).toBe(true);
    const [instance] = [...emulator.compute.instances.values()];
    expect(instance?.networkInterfaces[0]?.accessConfigs).toEqual([]);
    expect(instance?.networkInterfaces[0]?.networkIP).toBe('127.0.0.1');
    const tunnel = await p.tunnel(`http://127.0.0.1:${healthPort}`);
    expect(tunnel.localAddress).toBe(`http://127.0.0.1:${healthPort}`);
  });

  it('with access: iap and no gcloud on PATH, says to install it', async () => {
    // The VM itself comes from a direct-access host (which needs no tunnel to see it healthy).
    expect(
      (
        await platform({ access: 'direct' })
          .controllerHost(controller({ access: 'direct' }))
          .start()
      ).running,
    ).toBe(true);
    const p = platform({ access: 'iap' });
    const path = process.env.PATH;
    process.env.PATH = dir;
    try {
      const err = await p.tunnel(`http://127.0.0.1:${healthPort}`).catch((e: unknown) => e);
      expect(isProviderError(err) && err.kind).toBe('invalid_request');
      expect((err as Error).message).toContain('needs gcloud on PATH');
    } finally {
      process.env.PATH = path;
    }
  });

  it('maps Compute errors to provider errors and refuses a controller without an image', async () => {
    emulator.faults.add({ at: 'request', kind: 'quota', times: 1 });
    const err = await platform()
      .controllerHost(controller())
      .start()
      .catch((e: unknown) => e);
    expect(isProviderError(err) && err.kind).toBe('quota');
    const noImage = await platform()
      .controllerHost(controller({}, null))
      .start()
      .catch((e: unknown) => e);
    expect(isProviderError(noImage) && noImage.kind).toBe('invalid_request');
    expect(emulator.compute.instances.size).toBe(0);
  });
});
