import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ConfigIssue } from '@iris/core';
import { ConfigError, composeClusterSchema, createProviderRegistry, loadClusterText, type BuiltinPlugin } from '@iris/core/config';
import { gcpProvider, validateGcpCluster, type GcpControllerConfig, type GcpProviderConfig } from '../src/index.js';

const builtins: BuiltinPlugin[] = [{ plugin: gcpProvider, packageName: '@iris/provider-gcp', version: '0.1.0' }];
// These tests are about the schema: the load-time rules (validate-gcp.test.ts) are off here.
const schemaOnly: BuiltinPlugin[] = [{ ...builtins[0]!, plugin: { ...gcpProvider, validate: undefined, validateController: undefined } }];

async function load(text: string, checked = false) {
  return loadClusterText(text, 'cluster.yaml', { builtins: checked ? builtins : schemaOnly, env: {} });
}

/** The issues of a file that must not load. */
async function issuesOf(text: string): Promise<ConfigIssue[]> {
  const err = await load(text).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).issues.filter((i) => i.severity === 'error');
}

const group = `
    accelerator_type: tpu
    accelerator_variant: v5litepod-16
    slice_size: 4
    resources: { cpu: 112, ram: 192GB, tpu_count: 4 }
    max_slices: 2`;

describe('a cluster file with gcp groups, loaded by core', () => {
  it('validates the group block and applies its schema defaults', async () => {
    const { config } = await load(`
controller:
  provider: { type: gcp, zone: europe-west4-b }
scale_groups:
  tpu:
    provider: { type: gcp, project_id: my-project, zones: [europe-west4-b, europe-west4-a] }${group}
`);
    const provider = config.scale_groups['tpu']?.provider as unknown as GcpProviderConfig;
    expect(provider).toEqual({
      type: 'gcp',
      project_id: 'my-project',
      zones: ['europe-west4-b', 'europe-west4-a'],
      network: 'default',
      queued_resource: false,
      labels: {},
    });
    expect(config.controller.provider as unknown as GcpControllerConfig).toEqual({
      type: 'gcp',
      zone: 'europe-west4-b',
      machine_type: 'n2-standard-4',
      boot_disk_size_gb: 50,
      port: 10000,
      state_disk_size_gb: 20,
      state_mount: '/mnt/disks/iris-state',
      access: 'ssh',
      state_snapshot_interval: '10m',
      state_snapshots_kept: 10,
    });
  });

  it('resolves the tpu alias to gcp and lets a group inherit the top-level block', async () => {
    const { config, warnings } = await load(`
provider: { type: tpu, project_id: my-project, zones: [us-central2-b] }
controller:
  provider: { type: tpu }
scale_groups:
  tpu:${group}
`);
    expect(config.scale_groups['tpu']?.provider).toMatchObject({ type: 'gcp', project_id: 'my-project' });
    expect(config.controller.provider.type).toBe('gcp');
    // An alias is a first-class name: it loads without a warning.
    expect(warnings).toEqual([]);
  });

  it('reports a missing project_id at the provider block, naming the field', async () => {
    const issues = await issuesOf(`scale_groups:
  tpu:
    provider:
      type: gcp
      zones: [europe-west4-b]${group}
`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'cluster.yaml', path: 'scale_groups.tpu.provider', line: 4, column: 7 });
    expect(issues[0]?.message).toContain('project_id');
  });

  it('reports a misspelt key where it is written, suggesting the real one, and the field it left missing', async () => {
    const issues = await issuesOf(`scale_groups:
  tpu:
    provider:
      type: gcp
      project_id: my-project
      zonse: [europe-west4-b]${group}
`);
    const byPath = Object.fromEntries(issues.filter((i) => i.path !== 'controller').map((i) => [i.path, i]));
    expect(Object.keys(byPath).sort()).toEqual(['scale_groups.tpu.provider', 'scale_groups.tpu.provider.zonse']);
    expect(byPath['scale_groups.tpu.provider.zonse']).toMatchObject({ line: 6, column: 7 });
    expect(byPath['scale_groups.tpu.provider.zonse']?.message).toContain('zones');
    expect(byPath['scale_groups.tpu.provider']?.message).toContain('zones');
  });

  it('reports a wrong type inside the block at the value', async () => {
    const issues = await issuesOf(`scale_groups:
  tpu:
    provider:
      type: gcp
      project_id: my-project
      zones: europe-west4-b${group}
`);
    expect(issues.map((i) => i.path)).toEqual(['scale_groups.tpu.provider.zones']);
    expect(issues[0]).toMatchObject({ line: 6, column: 14 });
  });

  it('loads examples/gcp-tpu.yaml', async () => {
    const text = readFileSync(new URL('../../../examples/gcp-tpu.yaml', import.meta.url), 'utf8');
    const { config, warnings } = await load(text, true);
    expect(warnings).toEqual([]);
    expect(Object.keys(config.scale_groups)).toEqual(['tpu_v5e_4', 'tpu_v5e_16', 'tpu_v5e_16_reserved']);
    expect(config.scale_groups['tpu_v5e_4']?.provider).toMatchObject({ zones: ['europe-west4-b', 'europe-west4-a'] });
    expect(config.scale_groups['tpu_v5e_16_reserved']?.provider).toMatchObject({ capacity: 'reserved' });
    expect(validateGcpCluster(config)).toEqual([]);
  });
});

describe("the gcp plugin in core's provider registry", () => {
  it("passes the registry's checks and is listed as a builtin", () => {
    const registry = createProviderRegistry(builtins);
    expect(registry.types()).toEqual(['gcp']);
    expect(registry.get('gcp')).toBe(gcpProvider);
    expect(registry.get('tpu')).toBe(gcpProvider);
    expect(registry.canonicalType('tpu')).toBe('gcp');
    expect(registry.entries()).toEqual([expect.objectContaining({ type: 'gcp', packageName: '@iris/provider-gcp', source: 'builtin' })]);
  });

  it('has its schemas embedded in the composed cluster schema', () => {
    const schema = composeClusterSchema(createProviderRegistry(builtins));
    const definitions = schema['definitions'] as Record<string, { properties?: Record<string, unknown> }>;
    expect(Object.keys(definitions['provider_gcp']?.properties ?? {})).toEqual(Object.keys(gcpProvider.configSchema['properties'] as object));
    expect(Object.keys(definitions['controller_provider_gcp']?.properties ?? {})).toEqual(Object.keys(gcpProvider.controllerSchema?.['properties'] as object));
  });
});
