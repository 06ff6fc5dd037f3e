import type { ScaleGroupConfig, VmBootstrapSpec } from '@iris/core';

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
  container: { image: '', entrypoint: [], ports: {}, env: { IRIS_CONTROLLER: 'http://127.0.0.1:1', IRIS_TOKEN: 'hello-token' } },
};
