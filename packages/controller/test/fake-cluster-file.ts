import { join } from 'node:path';
import { SystemClock, defineProvider } from '@iris/core';
import { loadClusterText, type LoadedCluster } from '@iris/core/config';
import { FakePlatform } from '../src/testing.js';

/** A provider block schema that accepts `{type}` only. */
const typeOnly = (type: string) => ({
  type: 'object',
  properties: { type: { const: type, description: 'the provider type' } },
  required: ['type'],
  additionalProperties: false,
});

/**
 * Loads a cluster file whose groups and controller use `type: fake`, served by one FakePlatform, so a
 * test can start a real cluster controller against scripted VMs. The file is "written" in `dir`.
 */
export async function loadFakeCluster(
  text: string,
  dir: string,
  options: { clusterName: string; latencyMs?: number },
): Promise<{ platform: FakePlatform; cluster: LoadedCluster }> {
  const ms = options.latencyMs ?? 5;
  const platform = new FakePlatform({
    type: 'fake',
    clusterName: options.clusterName,
    clock: new SystemClock(),
    behaviour: { createLatencyMs: ms, bootMs: ms, initMs: ms, terminateLatencyMs: ms },
  });
  const plugin = defineProvider({
    type: 'fake',
    description: 'a scripted provider for tests',
    configSchema: typeOnly('fake'),
    controllerSchema: typeOnly('fake'),
    platformFactory: { type: 'fake', create: () => platform },
  });
  const cluster = await loadClusterText(text, join(dir, 'cluster.yaml'), { builtins: [{ plugin, packageName: 'iris-provider-fake', version: '0.0.0' }] });
  return { platform, cluster };
}

/**
 * The text of a fake cluster: a `type: fake` controller and one cpu group of 4 cpu / 8GB VMs whose
 * autoscaler scales up at once and never scales down during a test.
 */
export function fakeCpuClusterText(options: { name: string; maxSlices: number; group?: string; sliceSize?: number; workerTimeout?: string }): string {
  return `name: ${options.name}
controller:
  provider: { type: fake }
${options.workerTimeout === undefined ? '' : `  worker_timeout: ${options.workerTimeout}\n`}defaults:
  autoscaler: { evaluation_interval: 200ms, scale_up_delay: 0s, scale_down_delay: 10m, startup_grace: 10m }
scale_groups:
  ${options.group ?? 'cpu'}:
    provider: { type: fake }
    accelerator_type: cpu
    accelerator_variant: cpu
${options.sliceSize === undefined ? '' : `    slice_size: ${options.sliceSize}\n`}    resources: { cpu: 4, ram: 8GB }
    max_slices: ${options.maxSlices}
`;
}
