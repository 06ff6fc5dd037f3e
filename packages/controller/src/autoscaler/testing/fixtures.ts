import { type AutoscalerConfig, type ScaleGroupConfig, type VmBootstrapSpec, type WorkerLaunch } from '@iris/core';
import { DEFAULT_CONFIG } from '@iris/core/config';

/**
 * Explicit, complete configs for tests and simulations. Production code never uses these: it gets
 * its values from the loaded cluster file, defaults applied once.
 */
export const TEST_AUTOSCALER_CONFIG: AutoscalerConfig = Object.freeze({
  // The shipped defaults, so tests exercise what users get; only the create limits are raised so
  // scenarios that scale many groups are not throttled by the per-group bucket.
  ...DEFAULT_CONFIG.defaults.autoscaler,
  create_burst: 16,
  max_parallel_creates: 64,
});

export function testAutoscalerConfig(overrides: Partial<AutoscalerConfig> = {}): AutoscalerConfig {
  return { ...TEST_AUTOSCALER_CONFIG, ...overrides };
}

export function testScaleGroup(name: string, overrides: Partial<ScaleGroupConfig> = {}): ScaleGroupConfig {
  return {
    name,
    provider: { type: 'fake', zones: ['zone-a'] },
    accelerator_type: 'tpu',
    accelerator_variant: 'v5litepod-4',
    slice_size: 1,
    resources: { cpu: 32, ram: 64 * 2 ** 30, disk: 100 * 2 ** 30, gpu_count: 0, tpu_count: 4 },
    preemptible: false,
    min_slices: 0,
    max_slices: 10,
    priority: 100,
    attributes: {},
    ...overrides,
  };
}

/** A worker launch as the controller hands it out, for fakes that never start a worker. */
export function testWorkerLaunch(group: { name: string }, requestId: string): WorkerLaunch {
  return {
    controllerUrl: 'http://127.0.0.1:1',
    joinToken: `ij_test-${requestId}`,
    joinTokenExpiresAtMs: Number.MAX_SAFE_INTEGER,
    env: {},
    attributes: { 'scale-group': group.name },
    resources: { cpu: 1, memoryBytes: 1e9 },
  };
}

export const TEST_WORKER_BOOTSTRAP: VmBootstrapSpec = Object.freeze({
  role: 'worker' as const,
  labels: {},
  providerOverrides: {},
});
