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
