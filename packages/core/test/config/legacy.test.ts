import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatConfigIssue, loadCluster, loadClusterText, migrateClusterText } from '../../src/config/index.js';
import { LOAD } from '../helpers/test-providers.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/clusters/${name}`, import.meta.url));

describe('legacy form (a): per-group provider blocks of seeds/000', () => {
  it('resolves the tpu alias, moves a variant out of accelerator_type and falls back to the top-level provider', async () => {
    const { config, warnings } = await loadCluster(fixture('seed-000.yaml'), LOAD);
    const gcp = { type: 'gcp', project_id: 'hai-gcp-models', zones: ['europe-west4-b'], network: 'default' };
    expect(config.provider).toEqual(gcp);
    expect(config.scale_groups['tpu_v5e_16']).toMatchObject({ provider: gcp, accelerator_type: 'tpu', accelerator_variant: 'v5litepod-16' });
    expect(config.scale_groups['manual_workers']?.provider).toEqual({ type: 'manual', hosts: ['10.0.0.1', '10.0.0.2'], ssh_user: 'ray', ssh_port: 22 });
    expect(config.scale_groups['fallback_tpus']).toMatchObject({ provider: gcp, accelerator_type: 'tpu', accelerator_variant: 'v4-8' });
    const byPosition = [...warnings].sort((a, b) => a.line - b.line);
    expect(byPosition.map((w) => `${w.line}:${w.column} ${w.path}: ${w.severity}: ${w.message}`)).toEqual([
      '14:5 scale_groups.tpu_v5e_16.accelerator_type: warning: legacy: accelerator_type "v5litepod-16" is a variant: written accelerator_type: tpu with accelerator_variant: v5litepod-16 now; run iris config migrate',
      '25:5 scale_groups.fallback_tpus.accelerator_type: warning: legacy: accelerator_type "v4-8" is a variant: written accelerator_type: tpu with accelerator_variant: v4-8 now; run iris config migrate',
    ]);
    // An alias (tpu for gcp) is first-class: no warning.
    expect(warnings).toHaveLength(2);
    expect(new Set(warnings.map((w) => w.file))).toEqual(new Set([fixture('seed-000.yaml')]));
  });
});

describe('legacy form (b): the Python Iris layout', () => {
  it('maps platform, vm_type, zones, manual blocks, controller and {milliseconds} durations', async () => {
    const { config, warnings } = await loadCluster(fixture('python-eu-west4.yaml'), LOAD);
    expect(config.name).toBe('iris');
    expect(config.provider).toEqual({ type: 'gcp', project_id: 'hai-gcp-models', zones: ['europe-west4-b'], network: 'default' });
    expect(config.defaults.timeouts).toEqual({ boot: 300_000, init: 600_000, ssh_poll_interval: 5_000 });
    expect(config.defaults.autoscaler.startup_grace).toBe(1_800_000);
    expect(config.defaults.bootstrap.docker_image).toMatch(/iris-worker:latest$/);
    expect(config.controller).toMatchObject({
      provider: { type: 'gcp', machine_type: 'n2-standard-4', port: 10000, project_id: 'hai-gcp-models', zone: 'europe-west4-b' },
      image: expect.stringMatching(/iris-controller:latest$/),
      state_dir: '/home/tester/.iris/iris',
    });
    expect(config.scale_groups['tpu_v5e_16']).toMatchObject({
      provider: { type: 'gcp', project_id: 'hai-gcp-models', zones: ['europe-west4-b'], runtime_version: 'v2-alpha-tpuv5-lite' },
      slice_size: 16,
      resources: { cpu: 128, ram: 128e9, disk: 1e12, tpu_count: 8, gpu_count: 0 },
    });
    // No group-specific zones or runtime: it inherits the platform's provider.
    expect(config.scale_groups['tpu_default']?.provider).toEqual(config.provider);
    expect(config.scale_groups['manual_hosts']?.provider).toEqual({
      type: 'manual',
      hosts: ['10.0.0.1', '10.0.0.2'],
      ssh_user: 'ubuntu',
      ssh_key_file: '~/.ssh/manual_key',
      ssh_port: 22,
    });
    const messages = warnings.map((w) => `${w.line} ${w.path}: ${w.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        '1 platform: legacy: the "platform:" section (Python Iris layout) is now "name:" and a top-level "provider:"; run iris config migrate',
        '11 defaults.timeouts.boot_timeout: legacy: duration {milliseconds: 300000} is written "5m" now; run iris config migrate',
        '11 defaults.timeouts.boot_timeout: legacy: defaults.timeouts.boot_timeout is called boot now; run iris config migrate',
        '35 controller.bundle_prefix: legacy: controller.bundle_prefix is gone: the controller holds bundles itself; run iris config migrate',
        '36 controller.gcp: legacy: controller.gcp is written controller.provider: {type: gcp, ...} now; run iris config migrate',
        "43 scale_groups.tpu_v5e_16.vm_type: legacy: vm_type tpu_vm is written as the group's provider: block now; run iris config migrate",
      ]),
    );
    expect(warnings.every((w) => w.severity === 'warning' && w.line > 0)).toBe(true);
  });

  it('loads the local example: platform.local with a null value, controller.local', async () => {
    const { config } = await loadCluster(fixture('python-local.yaml'), LOAD);
    expect(config.provider).toEqual({ type: 'local' });
    expect(config.controller.provider).toEqual({ type: 'local', port: 0 });
    expect(config.scale_groups['cpu']).toMatchObject({ provider: { type: 'local' }, max_slices: 4, accelerator_variant: 'cpu' });
  });

  it('refuses what never worked: tpu_vm without platform.gcp, gce_vm, an unknown vm_type', async () => {
    const text = `platform: { manual: {} }
scale_groups:
  a: { vm_type: tpu_vm, resources: { cpu: 1, ram: 1GB } }
  b: { vm_type: gce_vm, resources: { cpu: 1, ram: 1GB } }
  c: { vm_type: spot_vm, resources: { cpu: 1, ram: 1GB } }
`;
    const err = (await loadClusterText(text, 'old.yaml', LOAD).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.issues.filter((i) => i.severity === 'error').map(formatConfigIssue)).toEqual([
      'old.yaml:3:17 scale_groups.a.vm_type: vm_type tpu_vm needs platform.gcp with a project_id (or give the group a provider: {type: gcp, project_id, zones})',
      'old.yaml:4:17 scale_groups.b.vm_type: vm_type gce_vm was never supported; give the group a provider: block',
      'old.yaml:5:17 scale_groups.c.vm_type: unknown vm_type "spot_vm": expected one of tpu_vm, manual_vm, local_vm',
    ]);
  });

  it('a manual_vm group without a manual: block is reported as missing hosts, at its vm_type', async () => {
    const err = (await loadClusterText('scale_groups:\n  m:\n    vm_type: manual_vm\n    resources: { cpu: 1, ram: 1GB }\n', 'old.yaml', LOAD).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(err.issues.filter((i) => i.severity === 'error').map(formatConfigIssue)).toEqual([
      'old.yaml:3:14 scale_groups.m.provider: missing required field "hosts" (required by the manual provider); add "hosts: [<host>, …]"',
    ]);
  });
});

describe('migrateClusterText', () => {
  for (const name of ['seed-000.yaml', 'python-eu-west4.yaml', 'python-local.yaml']) {
    it(`rewrites ${name} to a canonical file that loads without warnings to the same config`, async () => {
      const text = readFileSync(fixture(name), 'utf8');
      const legacy = await loadClusterText(text, name, LOAD);
      const migrated = await migrateClusterText(text, name, LOAD);
      expect(migrated.warnings.length).toBeGreaterThan(0);
      const canonical = await loadClusterText(migrated.text, name, LOAD);
      expect(canonical.warnings.filter((w) => w.message.startsWith('legacy:'))).toEqual([]);
      expect(canonical.config).toEqual(legacy.config);
      expect(migrated.text).not.toMatch(/vm_type|platform:|milliseconds|\btype: tpu\b|bundle_prefix|boot_timeout|init_timeout|_period/);
    });
  }

  it('keeps comments', async () => {
    const { text } = await migrateClusterText(readFileSync(fixture('python-eu-west4.yaml'), 'utf8'), 'eu.yaml', LOAD);
    expect(text).toContain('# The main TPU pool');
    expect(text).toContain('# workers dial this');
    expect(text).toMatch(/boot: 5m/);
  });

  it('returns a canonical file untouched', async () => {
    const text = readFileSync(fixture('canonical.yaml'), 'utf8');
    expect((await migrateClusterText(text, 'canonical.yaml', LOAD)).text).toBe(text);
  });

  it('a platform.gcp without zones is reported at the platform block it came from', async () => {
    const err = (await loadClusterText(
      'name: x\nplatform:\n  gcp: { project_id: p }\nscale_groups:\n  t: { vm_type: tpu_vm, resources: { cpu: 1, ram: 1GB } }\n',
      'old.yaml',
      LOAD,
    ).catch((e: unknown) => e)) as ConfigError;
    expect(err.issues.filter((i) => i.severity === 'error').map(formatConfigIssue)).toEqual([
      'old.yaml:3:3 provider: missing required field "zones" (required by the gcp provider); add "zones: [<zone>, …]"',
    ]);
  });

  it('refuses to migrate an invalid file', async () => {
    await expect(
      migrateClusterText('platform: { gcp: { project_id: p } }\nscale_groups:\n  a: { vm_type: tpu_vm }\n', 'bad.yaml', LOAD),
    ).rejects.toBeInstanceOf(ConfigError);
  });
});
