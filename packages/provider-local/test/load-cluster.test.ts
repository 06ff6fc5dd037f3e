import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, composeClusterSchema, createProviderRegistry, loadClusterText, type BuiltinPlugin } from '@iris/core/config';
import { localProvider } from '../src/index.js';

const builtins: BuiltinPlugin[] = [{ plugin: localProvider, packageName: '@iris/provider-local', version: '0.1.0' }];

async function load(text: string) {
  return loadClusterText(text, 'cluster.yaml', { builtins, env: {} });
}

describe('a cluster file with local groups, loaded by core', () => {
  it('gives a file without a controller block the local controller on any free loopback port', async () => {
    const { config } = await load(`scale_groups:
  cpu:
    provider: { type: local }
    resources: { cpu: 1, ram: 1GB }
`);
    expect(config.controller.provider).toEqual({ type: 'local', port: 0, host: '127.0.0.1' });
    expect(config.scale_groups['cpu']?.provider).toEqual({ type: 'local' });
  });

  it('reports an unknown key of the local block where it is written', async () => {
    const err = await load(`scale_groups:
  cpu:
    provider:
      type: local
      hosts: [a]
    resources: { cpu: 1, ram: 1GB }
`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues.filter((i) => i.severity === 'error');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'scale_groups.cpu.provider.hosts', line: 5, column: 7 });
  });

  it('loads examples/local.yaml: one cpu group of up to 4 workers, short delays', async () => {
    const text = readFileSync(new URL('../../../examples/local.yaml', import.meta.url), 'utf8');
    const { config, warnings } = await load(text);
    expect(warnings).toEqual([]);
    expect(config.controller.provider).toEqual({ type: 'local', port: 0, host: '127.0.0.1' });
    const cpu = config.scale_groups['cpu'];
    expect(cpu).toMatchObject({ provider: { type: 'local' }, accelerator_type: 'cpu', max_slices: 4, slice_size: 1 });
    expect(config.defaults.autoscaler.evaluation_interval).toBe(500);
    expect(config.defaults.autoscaler.scale_up_delay).toBe(1000);
  });
});

describe("the local plugin in core's provider registry", () => {
  it("passes the registry's checks and is listed as a builtin", () => {
    const registry = createProviderRegistry(builtins);
    expect(registry.types()).toEqual(['local']);
    expect(registry.get('local')).toBe(localProvider);
    expect(registry.entries()).toEqual([expect.objectContaining({ type: 'local', packageName: '@iris/provider-local', source: 'builtin' })]);
  });

  it('has its schemas embedded in the composed cluster schema', () => {
    const schema = composeClusterSchema(createProviderRegistry(builtins));
    const definitions = schema['definitions'] as Record<string, { properties?: Record<string, unknown> }>;
    expect(Object.keys(definitions['provider_local']?.properties ?? {})).toEqual(Object.keys(localProvider.configSchema['properties'] as object));
    expect(Object.keys(definitions['controller_provider_local']?.properties ?? {})).toEqual(
      Object.keys(localProvider.controllerSchema?.['properties'] as object),
    );
  });
});
