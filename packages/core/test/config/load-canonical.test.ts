import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadCluster, loadClusterText, composeClusterSchema, formatConfigIssue } from '../../src/config/index.js';
import { ENV, LOAD } from '../helpers/test-providers.js';

const CANONICAL = fileURLToPath(new URL('../fixtures/clusters/canonical.yaml', import.meta.url));

describe('the canonical cluster file', () => {
  it('resolves each group to its own provider and inherits the top-level one otherwise', async () => {
    const { config, warnings } = await loadCluster(CANONICAL, LOAD);
    expect(warnings).toEqual([]);
    const groups = config.scale_groups;
    expect(groups['tpu_v5e_16']?.provider).toEqual({
      type: 'gcp',
      project_id: 'my-project',
      zones: ['europe-west4-b', 'europe-west4-a'],
      runtime_version: 'v2-alpha-tpuv5-lite',
      network: 'default',
    });
    expect(groups['lab_boxes']?.provider).toEqual({ type: 'manual', hosts: ['10.0.0.1', '10.0.0.2'], ssh_user: 'ray', ssh_port: 22 });
    expect(groups['spare_tpus']?.provider).toEqual({ type: 'gcp', project_id: 'my-project', zones: ['europe-west4-b'], network: 'default' });
    expect(config.provider).toEqual(groups['spare_tpus']?.provider);
  });

  it('converts durations to milliseconds and sizes to bytes, and applies every default', async () => {
    const { config } = await loadCluster(CANONICAL, LOAD);
    expect(config.defaults.timeouts).toEqual({ boot: 300_000, init: 600_000, ssh_poll_interval: 5_000 });
    expect(config.defaults.autoscaler.startup_grace).toBe(1_800_000);
    expect(config.defaults.autoscaler.backoff_max).toBe(DEFAULT_CONFIG.defaults.autoscaler.backoff_max);
    const tpu = config.scale_groups['tpu_v5e_16'];
    expect(tpu?.resources).toEqual({ cpu: 112, ram: 192e9, disk: 100e9, gpu_count: 0, tpu_count: 4 });
    expect(config.scale_groups['spare_tpus']).toMatchObject({
      name: 'spare_tpus',
      slice_size: 1,
      min_slices: 0,
      max_slices: 1,
      priority: 100,
      preemptible: false,
      resources: { ram: 48 * 2 ** 30, disk: 0 },
    });
    expect(config.controller).toEqual({
      provider: { type: 'local', port: 0 },
      state_dir: '/home/tester/.iris/demo',
      worker_timeout: 60_000,
      max_wait: 10_000,
      tick: 1_000,
      login_code_ttl: 300_000,
      session_ttl: 7 * 24 * 3_600_000,
      limits: DEFAULT_CONFIG.controller.limits,
    });
    expect(config.defaults.ssh.key_file).toBe('/home/tester/.ssh/id_ed25519');
  });

  it('expands ${ENV} only in bootstrap.controller_address and bootstrap.env', async () => {
    const { config } = await loadCluster(CANONICAL, LOAD);
    expect(config.defaults.bootstrap.controller_address).toBe('10.0.0.9:10000');
    expect(config.defaults.bootstrap.env).toEqual({ TOKEN_FILE: '/home/tester/.token' });
    expect(config.scale_groups['spare_tpus']?.attributes).toEqual({ pool: '${NOT_EXPANDED_HERE}' });
  });

  it('warns about an unset variable and drops an address that expands to nothing', async () => {
    const { config, warnings } = await loadCluster(CANONICAL, { ...LOAD, env: { HOME: '/h' } });
    expect(config.defaults.bootstrap.controller_address).toBeUndefined();
    expect(warnings.map(formatConfigIssue)).toEqual([
      expect.stringMatching(/canonical\.yaml:13:37 defaults\.bootstrap\.controller_address: warning: environment variable IRIS_CONTROLLER_ADDRESS is not set/),
    ]);
  });

  it('is deep-frozen', async () => {
    const { config } = await loadCluster(CANONICAL, LOAD);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.scale_groups['lab_boxes']?.provider)).toBe(true);
    expect(() => {
      (config.defaults.timeouts as { boot: number }).boot = 1;
    }).toThrow(TypeError);
  });

  it('the resolved config is itself a valid cluster file that resolves to the same config', async () => {
    const { config } = await loadCluster(CANONICAL, LOAD);
    const again = await loadClusterText(stringify(config), 'resolved.yaml', LOAD);
    expect(again.config).toEqual(config);
  });

  it('defaults name, controller provider and state_dir for a minimal file', async () => {
    const { config } = await loadClusterText('provider: { type: local }\nscale_groups:\n  cpu: { resources: { cpu: 2, ram: 4GB } }\n', 'min.yaml', LOAD);
    expect(config.name).toBe('iris');
    expect(config.plugins).toEqual([]);
    expect(config.controller.provider).toEqual({ type: 'local', port: 0 });
    expect(config.controller.state_dir).toBe(`${ENV.HOME}/.iris/iris`);
    expect(config.scale_groups['cpu']?.provider).toEqual({ type: 'local' });
  });

  it('a built-in named in plugins: is satisfied without resolving a package', async () => {
    const { config } = await loadClusterText('plugins: [gcp, "@iris/provider-manual"]\nprovider: { type: local }\n', '/nowhere/c.yaml', LOAD);
    expect(config.plugins).toEqual(['gcp', '@iris/provider-manual']);
  });
});

describe('composeClusterSchema', () => {
  it('is one self-contained draft-07 schema with every provider plugged in and described', async () => {
    const { registry } = await loadCluster(CANONICAL, LOAD);
    const schema = composeClusterSchema(registry) as Record<string, any>;
    expect(schema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
    expect(Object.keys(schema['definitions'])).toEqual(
      expect.arrayContaining([
        'provider_gcp',
        'provider_manual',
        'provider_local',
        'controller_provider_gcp',
        'group_provider',
        'scale_group',
        'duration',
        'size',
      ]),
    );
    // Aliases are first-class: the editor accepts them beside the canonical types.
    expect(schema['definitions']['group_provider'].properties.type.enum).toEqual(['gcp', 'tpu', 'local', 'manual']);
    expect(schema['properties']['scale_groups'].additionalProperties).toEqual({ $ref: '#/definitions/scale_group' });
    expect(schema['definitions']['scale_group'].properties.max_slices.description).toMatch(/0 disables/);
    // Self-contained: every $ref points inside the document.
    const refs = JSON.stringify(schema).match(/"\$ref":"[^"]*"/g) ?? [];
    expect(refs.every((r) => r.startsWith('"$ref":"#/definitions/'))).toBe(true);
  });

  it('validates the DESIGN example unchanged', async () => {
    const text = readFileSync(CANONICAL, 'utf8');
    await expect(loadClusterText(text, 'canonical.yaml', LOAD)).resolves.toBeDefined();
  });
});
