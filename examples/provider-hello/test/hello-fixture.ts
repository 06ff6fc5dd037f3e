import type { ScaleGroupConfig, VmBootstrapSpec, WorkerLaunch } from '@iris/core';

export function helloGroup(sliceSize: number, name = 'hello'): ScaleGroupConfig {
  return {
    name,
    provider: { type: 'hello' },
    accelerator_type: 'cpu',
    accelerator_variant: 'cpu',
    slice_size: sliceSize,
    resources: { cpu: 1, ram: 1e9, disk: 1e9, gpu_count: 0, tpu_count: 0 },
    preemptible: false,
    min_slices: 0,
    max_slices: 4,
    priority: 100,
    attributes: {},
  };
}

export const workerBootstrap: VmBootstrapSpec = {
  role: 'worker',
  labels: {},
  providerOverrides: {},
  container: { image: '', entrypoint: [], ports: {}, env: {} },
};

/** What the controller hands out on CreateSliceRequest.launch (nobody listens at this address). */
export const workerLaunch: WorkerLaunch = {
  controllerUrl: 'http://127.0.0.1:1',
  joinToken: 'ij_hello-token',
  joinTokenExpiresAtMs: Number.MAX_SAFE_INTEGER,
  env: {},
  attributes: {},
  resources: { cpu: 1, memoryBytes: 1e9 },
};
