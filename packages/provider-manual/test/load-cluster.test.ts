import { describe, expect, it } from 'vitest';
import { type ConfigIssue } from '@iris/core';
import { ConfigError, composeClusterSchema, createProviderRegistry, loadClusterText, type BuiltinPlugin } from '@iris/core/config';
import { manualProvider, resolveManualHosts, type ManualProviderConfig } from '../src/index.js';

const builtins: BuiltinPlugin[] = [{ plugin: manualProvider, packageName: '@iris/provider-manual', version: '0.1.0' }];

async function load(text: string) {
  return loadClusterText(text, 'cluster.yaml', { builtins, env: {} });
}

async function issuesOf(text: string): Promise<ConfigIssue[]> {
  const err = await load(text).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).issues.filter((i) => i.severity === 'error');
}

const group = `
    accelerator_type: gpu
    accelerator_variant: a100
    resources: { cpu: 32, ram: 256GB, gpu_count: 8 }
    max_slices: 2`;

describe('a cluster file with manual groups, loaded by core', () => {
  it('validates the group block and applies its defaults; hosts resolve against defaults.ssh', async () => {
    const { config } = await load(`
defaults:
  ssh: { user: ray, key_file: ~/.ssh/lab }
controller:
  provider: { type: manual, host: 10.0.0.10 }
scale_groups:
  lab:
    provider: { type: manual, hosts: [10.0.0.1, "10.0.0.2:2222"] }${group}
`);
    const provider = config.scale_groups['lab']?.provider as unknown as ManualProviderConfig;
    expect(provider).toEqual({
      type: 'manual',
      hosts: ['10.0.0.1', '10.0.0.2:2222'],
      host_key_fingerprints: {},
      insecure_skip_host_key_check: false,
      worker_dir: '~/.iris/worker',
      keep_logs: false,
    });
    expect(config.controller.provider).toEqual({
      type: 'manual',
      host: '10.0.0.10',
      port: 10000,
      insecure_skip_host_key_check: false,
    });
    const hosts = resolveManualHosts(provider, config.defaults.ssh);
    expect(hosts.map((h) => `${h.user}@${h.host}:${h.port}`)).toEqual(['ray@10.0.0.1:22', 'ray@10.0.0.2:2222']);
  });

  it('reports missing hosts at the provider block, naming the field', async () => {
    const issues = await issuesOf(`scale_groups:
  lab:
    provider:
      type: manual
      ssh_user: ray${group}
`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'scale_groups.lab.provider', line: 4, column: 7 });
    expect(issues[0]?.message).toContain('hosts');
  });

  it('reports an empty host list at the list', async () => {
    const issues = await issuesOf(`scale_groups:
  lab:
    provider:
      type: manual
      hosts: []${group}
`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'scale_groups.lab.provider.hosts', line: 5, column: 14 });
  });

  it('reports a duplicated host', async () => {
    const issues = await issuesOf(`scale_groups:
  lab:
    provider:
      type: manual
      hosts: [10.0.0.1, 10.0.0.1]${group}
`);
    expect(issues.map((i) => i.path)).toEqual(['scale_groups.lab.provider.hosts']);
  });

  it('reports a controller block without its host', async () => {
    const issues = await issuesOf(`controller:
  provider: { type: manual, port: 10000 }
`);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('controller.provider');
    expect(issues[0]?.message).toContain('host');
  });
});

describe("the manual plugin in core's provider registry", () => {
  it("passes the registry's checks and is listed as a builtin", () => {
    const registry = createProviderRegistry(builtins);
    expect(registry.types()).toEqual(['manual']);
    expect(registry.get('manual')).toBe(manualProvider);
    expect(registry.entries()).toEqual([expect.objectContaining({ type: 'manual', packageName: '@iris/provider-manual', source: 'builtin' })]);
  });

  it('has its schemas embedded in the composed cluster schema', () => {
    const schema = composeClusterSchema(createProviderRegistry(builtins));
    const definitions = schema['definitions'] as Record<string, { properties?: Record<string, unknown> }>;
    expect(Object.keys(definitions['provider_manual']?.properties ?? {})).toEqual(Object.keys(manualProvider.configSchema['properties'] as object));
    expect(Object.keys(definitions['controller_provider_manual']?.properties ?? {})).toEqual(
      Object.keys(manualProvider.controllerSchema?.['properties'] as object),
    );
  });
});

describe('the manual provider’s cross-field rules run at load time (defineProvider v2 validate)', () => {
  it('reports duplicate hosts and fingerprints of hosts the group does not list at their file:line:col', async () => {
    const issues = await issuesOf(`
controller:
  provider: { type: manual, host: 10.0.0.10 }
scale_groups:
  lab:
    provider:
      type: manual
      hosts: [10.0.0.1, "10.0.0.1:22", 10.0.0.3]
      host_key_fingerprints: { 10.0.0.9: "SHA256:${'A'.repeat(43)}" }${group}
`);
    expect(issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)).toEqual([
      '8:25 scale_groups.lab.provider.hosts.1: "10.0.0.1:22" and "10.0.0.1" are the same machine (10.0.0.1:22); list each host once',
      '9:42 scale_groups.lab.provider.host_key_fingerprints.10.0.0.9: "10.0.0.9" is not one of the group\'s hosts; write the key exactly as in hosts',
    ]);
  });

  it('names the group when it inherits the top-level provider', async () => {
    const issues = await issuesOf(`
provider: { type: manual, hosts: [a, "a:22"] }
controller:
  provider: { type: manual, host: 10.0.0.10 }
scale_groups:
  lab:${group}
`);
    expect(issues[0]?.message).toMatch(/^scale_groups\.lab \(inherits provider\): "a:22" and "a" are the same machine/);
    expect(issues[0]?.line).toBe(2);
  });
});
