import { isProviderError, silentLogger, SystemClock, type PlatformDeps, type ProviderError, type ScaleGroupConfig, type VmBootstrapSpec } from '@iris/core';
import { testWorkerLaunch, type ConformanceBackend } from '@iris/provider-testkit';
import { CreateRateLimiter } from '../src/api/create-rate-limiter.js';
import type { GcpProviderConfig } from '../src/config-types.js';
import { GcpPlatform } from '../src/platform/gcp-platform.js';
import { GcpEmulator } from './emulator/gcp-emulator.js';

export const ZONES = ['europe-west4-b', 'europe-west4-a'] as const;

export function providerConfig(endpoint: string, overrides: Partial<GcpProviderConfig> = {}): GcpProviderConfig {
  return {
    type: 'gcp',
    project_id: 'iris-test',
    zones: [...ZONES],
    network: 'default',
    queued_resource: false,
    labels: { team: 'research' },
    api_endpoint: endpoint,
    ...overrides,
  };
}

export function tpuGroup(name: string, overrides: Partial<ScaleGroupConfig> = {}): ScaleGroupConfig {
  return {
    name,
    provider: { type: 'gcp' },
    accelerator_type: 'tpu',
    accelerator_variant: 'v5litepod-16',
    slice_size: 4,
    resources: { cpu: 112, ram: 192e9, disk: 100e9, gpu_count: 0, tpu_count: 4 },
    preemptible: true,
    min_slices: 0,
    max_slices: 4,
    priority: 100,
    attributes: {},
    ...overrides,
  };
}

export function platformDeps(clusterName = 'demo'): PlatformDeps {
  return {
    clusterName,
    bootstrap: {
      worker_port: 10001,
      cache_dir: '/var/cache/iris',
      controller_address: 'http://10.0.0.2:10000',
      docker_image: 'europe-docker.pkg.dev/p/iris/iris-worker:1',
      env: {},
    },
    timeouts: { boot: 60_000, init: 600_000, ssh_poll_interval: 5_000 },
    ssh: { user: 'root', port: 22, connect_timeout: 30_000 },
    clock: new SystemClock(),
    logger: silentLogger,
    stateDir: '/nonexistent',
  };
}

/** A platform on the real client libraries, pointed at the emulator, polling operations quickly. */
export function emulatedPlatform(endpoint: string, deps = platformDeps(), overrides: Partial<GcpProviderConfig> = {}): GcpPlatform {
  return new GcpPlatform(providerConfig(endpoint, overrides), deps, {
    createLimiter: new CreateRateLimiter(deps.clock),
    operationPollMs: 5,
    operationTimeoutMs: 10_000,
  });
}

export async function startEmulator(): Promise<{ emulator: GcpEmulator; endpoint: string }> {
  const emulator = new GcpEmulator();
  return { emulator, endpoint: await emulator.start() };
}

/** What the autoscaler passes to createSlice for a worker slice. */
export const bootstrap: VmBootstrapSpec = { role: 'worker', labels: {}, providerOverrides: {} };
/** The worker launch passed on every create (a controller address nobody listens on). */
export const launch = testWorkerLaunch({ controllerUrl: 'http://10.0.0.2:10000' });

/** Awaits `promise`, which must fail with a ProviderError, and returns that error. */
export async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (err) {
    if (isProviderError(err)) return err;
    throw err;
  }
  throw new Error('expected a ProviderError');
}

/**
 * The conformance backend: a fresh emulator, platforms on the real clients configured with `overrides`,
 * and a create refused for capacity by a stockout in every zone.
 */
export function conformanceBackend(overrides: Partial<GcpProviderConfig> = {}): () => Promise<ConformanceBackend> {
  return async () => {
    const { emulator, endpoint } = await startEmulator();
    return {
      createPlatform: () => emulatedPlatform(endpoint, platformDeps(), overrides),
      group: tpuGroup('tpu_v5e_16'),
      bootstrap,
      zones: ZONES,
      refuseCreate: () => {
        emulator.faults.add({ at: 'operation', kind: 'stockout', times: ZONES.length });
        return { kinds: ['capacity'] };
      },
      cleanup: () => emulator.stop(),
    };
  };
}
