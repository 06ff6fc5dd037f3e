import { SystemClock, silentLogger, type PlatformDeps, type ScaleGroupConfig, type VmBootstrapSpec, type WorkerLaunch } from '@iris/core';
import { DEFAULT_CONFIG } from '@iris/core/config';

/**
 * What a platform factory receives, as a test wants it: the shipped defaults (so a provider is
 * tested with what users get), a real clock, a silent logger and the test's own state dir.
 * Override what the test is about (timeouts, irisCommand, cluster name).
 */
export function testPlatformDeps(stateDir: string, overrides: Partial<PlatformDeps> = {}): PlatformDeps {
  const defaults = DEFAULT_CONFIG.defaults;
  return {
    clusterName: 'conformance',
    bootstrap: { ...defaults.bootstrap, worker_port: 0, cache_dir: stateDir, env: {} },
    timeouts: { ...defaults.timeouts },
    ssh: { ...defaults.ssh },
    clock: new SystemClock(),
    logger: silentLogger,
    stateDir,
    ...overrides,
  };
}

/** A complete scale group (one CPU VM per slice unless overridden), as the loader would resolve it. */
export function testScaleGroup(name: string, provider: string, overrides: Partial<ScaleGroupConfig> = {}): ScaleGroupConfig {
  const d = DEFAULT_CONFIG.scale_group;
  return {
    name,
    provider: { type: provider },
    accelerator_type: 'cpu',
    accelerator_variant: 'cpu',
    slice_size: d.slice_size,
    resources: { cpu: 1, ram: 1e9, disk: 1e9, gpu_count: 0, tpu_count: 0 },
    preemptible: d.preemptible,
    min_slices: d.min_slices,
    max_slices: 4,
    priority: d.priority,
    attributes: {},
    ...overrides,
  };
}

/** A worker bootstrap spec as the controller sends it (the address and credential travel on `launch`). */
export function testWorkerBootstrap(): VmBootstrapSpec {
  return {
    role: 'worker',
    labels: {},
    providerOverrides: {},
    container: { image: '', entrypoint: [], ports: {}, env: {} },
  };
}

/** A worker launch as the controller hands it out on `CreateSliceRequest.launch`. */
export function testWorkerLaunch(overrides: Partial<WorkerLaunch> = {}): WorkerLaunch {
  return {
    controllerUrl: 'http://127.0.0.1:1',
    joinToken: 'ij_test-join-token',
    joinTokenExpiresAtMs: Number.MAX_SAFE_INTEGER,
    env: {},
    attributes: {},
    resources: { cpu: 1, memoryBytes: 1e9 },
    ...overrides,
  };
}
