import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatConfigIssue, loadClusterText, migrateClusterText, type ConfigIssue } from '../../src/config/index.js';
import { LOAD } from '../helpers/test-providers.js';

// The cluster-file examples of the design documents, byte for byte as they were written.
const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/clusters/${name}`, import.meta.url)), 'utf8');
const lines = (issues: readonly ConfigIssue[]): string[] => issues.map(formatConfigIssue);

async function loadErrors(text: string, file: string): Promise<ConfigIssue[]> {
  const err = await loadClusterText(text, file, LOAD).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).issues;
}

/** migrate → the result loads without a legacy warning, to the same config, and migrating it again changes nothing. */
async function expectMigrates(text: string, file: string): Promise<string> {
  const original = await loadClusterText(text, file, LOAD);
  const migrated = await migrateClusterText(text, file, LOAD);
  const reloaded = await loadClusterText(migrated.text, file, LOAD);
  expect(reloaded.warnings.filter((w) => w.message.startsWith('legacy:'))).toEqual([]);
  expect(reloaded.config).toEqual(original.config);
  expect((await migrateClusterText(migrated.text, file, LOAD)).text).toBe(migrated.text);
  return migrated.text;
}

describe('the seed-002 data-flow example (platform.gcp.region, no resources)', () => {
  it('loads: the region becomes its TPU zones, resources come from the offerings table, each with a warning', async () => {
    const { config, warnings } = await loadClusterText(fixture('seed-002-verbatim.yaml'), 'cluster.yaml', LOAD);
    const zones = ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f'];
    expect(config.provider).toMatchObject({ type: 'gcp', project_id: 'my-project', zones });
    expect(config.scale_groups['tpu_v5e_4']).toMatchObject({
      provider: { type: 'gcp', project_id: 'my-project', zones },
      accelerator_type: 'tpu',
      accelerator_variant: 'v5litepod-4',
      slice_size: 1,
      resources: { cpu: 112, ram: 192 * 2 ** 30, tpu_count: 4 },
    });
    expect(config.defaults.autoscaler.scale_up_delay).toBe(120_000);
    expect(config.defaults.bootstrap.docker_image).toBe('gcr.io/my-project/iris-worker:v1');
    expect(config.controller.provider).toMatchObject({ type: 'gcp', machine_type: 'n2-standard-4', project_id: 'my-project', zone: 'us-central1-a' });
    expect(lines(warnings)).toEqual(
      expect.arrayContaining([
        'cluster.yaml:4:5 platform.gcp.region: warning: legacy: region: us-central1 is written as its TPU zones now: zones: [us-central1-a, us-central1-b, us-central1-c, us-central1-f]; run iris config migrate',
        'cluster.yaml:15:3 scale_groups.tpu_v5e_4: warning: legacy: the group gives no resources: resources: {cpu: 112, ram: 192GiB, tpu_count: 4} inferred for v5litepod-4 from the TPU offerings table (1 VM per slice, 4 chips and 112 CPUs per VM); write them to make them explicit; run iris config migrate',
      ]),
    );
    expect(warnings.every((w) => w.severity === 'warning')).toBe(true);
  });

  it('iris config migrate rewrites it to a canonical file that validates, stably', async () => {
    const text = await expectMigrates(fixture('seed-002-verbatim.yaml'), 'cluster.yaml');
    expect(text).toMatch(/zones:\n {4}- us-central1-a\n {4}- us-central1-b\n {4}- us-central1-c\n {4}- us-central1-f\n/);
    expect(text).toMatch(/resources: \{ cpu: 112, ram: 192GiB, tpu_count: 4 \}/);
    expect(text).not.toMatch(/region|platform:|vm_type|milliseconds|bundle_prefix/);
    expect(text).toContain('# Override default');
  });
});

describe('the seed-000 per-group example, exactly as written (no zones, no resources)', () => {
  it('says exactly what to add, at file:line:col, and infers the TPU group resources', async () => {
    const issues = await loadErrors(fixture('seed-000-verbatim.yaml'), 'cluster.yaml');
    expect(lines(issues.filter((i) => i.severity === 'error'))).toEqual([
      'cluster.yaml:3:3 provider: missing required field "zones" (required by the gcp provider); add "zones: [<zone>, …]"',
      'cluster.yaml:10:7 scale_groups.tpu_v5e_16.provider: missing required field "zones" (required by the gcp provider); add "zones: [<zone>, …]"',
      'cluster.yaml:15:5 scale_groups.manual_workers: missing required field "resources"; add "resources: {cpu: <cpu>, ram: 64GB}" — Resources of one VM of the group',
    ]);
    expect(lines(issues.filter((i) => i.severity === 'warning'))).toContain(
      'cluster.yaml:8:3 scale_groups.tpu_v5e_16: warning: legacy: the group gives no resources: resources: {cpu: 112, ram: 192GiB, tpu_count: 4} and slice_size: 4 inferred for v5litepod-16 from the TPU offerings table (4 VMs per slice, 4 chips and 112 CPUs per VM); write them to make them explicit; run iris config migrate',
    );
  });

  it('loads once the two things it names are added, and migrates stably', async () => {
    const text = fixture('seed-000-verbatim.yaml')
      .replace('  project_id: hai-gcp-models\n\n', '  project_id: hai-gcp-models\n  zones: [europe-west4-b]\n\n')
      .replace('      project_id: hai-gcp-models\n', '      project_id: hai-gcp-models\n      zone: europe-west4-b\n')
      .replace('      ssh_user: ray\n', '      ssh_user: ray\n    resources: { cpu: 16, ram: 64GB }\n');
    const { config } = await loadClusterText(text, 'cluster.yaml', LOAD);
    expect(config.scale_groups['tpu_v5e_16']).toMatchObject({
      provider: { type: 'gcp', zones: ['europe-west4-b'] },
      accelerator_type: 'tpu',
      accelerator_variant: 'v5litepod-16',
      slice_size: 4,
      resources: { cpu: 112, tpu_count: 4 },
    });
    const migrated = await expectMigrates(text, 'cluster.yaml');
    expect(migrated).not.toMatch(/\btype: tpu|\bzone:/);
  });
});

describe('Python Iris spellings', () => {
  const base = (body: string): string => `name: py\n${body}`;

  it('moves top-level bootstrap, timeouts, ssh and autoscaler under defaults, with a warning each', async () => {
    const text = base(`provider: { type: local }
bootstrap: { worker_port: 10002 }
timeouts: { boot_timeout: 4m }
ssh: { user: ray }
autoscaler: { scale_down_delay: 7m }
scale_groups:
  cpu: { resources: { cpu: 1, ram: 1GB } }
`);
    const { config, warnings } = await loadClusterText(text, 'py.yaml', LOAD);
    expect(config.defaults.bootstrap.worker_port).toBe(10002);
    expect(config.defaults.timeouts.boot).toBe(240_000);
    expect(config.defaults.ssh.user).toBe('ray');
    expect(config.defaults.autoscaler.scale_down_delay).toBe(420_000);
    expect(lines(warnings).filter((w) => w.includes('belongs under'))).toEqual([
      'py.yaml:3:1 bootstrap: warning: legacy: top-level "bootstrap:" belongs under "defaults:" (moved to defaults.bootstrap); run iris config migrate',
      'py.yaml:4:1 timeouts: warning: legacy: top-level "timeouts:" belongs under "defaults:" (moved to defaults.timeouts); run iris config migrate',
      'py.yaml:5:1 ssh: warning: legacy: top-level "ssh:" belongs under "defaults:" (moved to defaults.ssh); run iris config migrate',
      'py.yaml:6:1 autoscaler: warning: legacy: top-level "autoscaler:" belongs under "defaults:" (moved to defaults.autoscaler); run iris config migrate',
    ]);
    const migrated = await expectMigrates(text, 'py.yaml');
    expect(migrated).toMatch(/^defaults:\n {2}timeouts:/m);
  });

  it('merges a top-level section into an existing defaults: section, the defaults: keys winning', async () => {
    const text = base(`provider: { type: local }
defaults:
  ssh: { user: root }
ssh: { user: ray, port: 2222 }
scale_groups:
  cpu: { resources: { cpu: 1, ram: 1GB } }
`);
    const { config } = await loadClusterText(text, 'py.yaml', LOAD);
    expect(config.defaults.ssh).toMatchObject({ user: 'root', port: 2222 });
    await expectMigrates(text, 'py.yaml');
  });

  it('turns zone: in a gcp block into zones:, and platform.gcp.zones into the provider zones', async () => {
    const text = base(`platform:
  gcp: { project_id: p, zones: [europe-west4-a, europe-west4-b] }
scale_groups:
  t:
    provider: { type: tpu, project_id: p, zone: us-west4-a }
    accelerator_type: tpu
    accelerator_variant: v5litepod-8
`);
    const { config, warnings } = await loadClusterText(text, 'py.yaml', LOAD);
    expect(config.provider).toMatchObject({ type: 'gcp', zones: ['europe-west4-a', 'europe-west4-b'] });
    expect(config.scale_groups['t']?.provider).toMatchObject({ type: 'gcp', zones: ['us-west4-a'] });
    expect(config.scale_groups['t']?.resources).toMatchObject({ cpu: 224, tpu_count: 8 });
    expect(lines(warnings)).toContain(
      'py.yaml:6:43 scale_groups.t.provider.zone: warning: legacy: zone: us-west4-a is written zones: [us-west4-a] now; run iris config migrate',
    );
    await expectMigrates(text, 'py.yaml');
  });

  it('turns a region into its TPU zones, and refuses one without known TPU zones, saying what to write', async () => {
    const ok = base(`provider: { type: gcp, project_id: p, region: europe-west4 }
scale_groups:
  t: { accelerator_type: tpu, accelerator_variant: v4-8 }
`);
    const { config } = await loadClusterText(ok, 'py.yaml', LOAD);
    expect(config.provider).toMatchObject({ zones: ['europe-west4-a', 'europe-west4-b'] });
    expect(config.scale_groups['t']).toMatchObject({ slice_size: 1, resources: { cpu: 240, tpu_count: 4 } });
    await expectMigrates(ok, 'py.yaml');

    const issues = await loadErrors(
      base('provider: { type: gcp, project_id: p, region: mars-north1 }\nscale_groups:\n  t: { resources: { cpu: 1, ram: 1GB } }\n'),
      'py.yaml',
    );
    expect(lines(issues.filter((i) => i.path === 'provider.region'))[0]).toMatch(
      /^py\.yaml:2:47 provider\.region: region "mars-north1" has no Cloud TPU zones Iris knows of; write zones: \[<zone>, …\] instead \(regions with TPUs: us-central1, .*europe-west4/,
    );
  });

  it("moves a group's topology into the tpu-topology attribute", async () => {
    const text = base(`provider: { type: local }
scale_groups:
  t:
    topology: 4x4
    resources: { cpu: 1, ram: 1GB }
  u:
    topology: 2x2
    attributes: { pool: a }
    resources: { cpu: 1, ram: 1GB }
`);
    const { config, warnings } = await loadClusterText(text, 'py.yaml', LOAD);
    expect(config.scale_groups['t']?.attributes).toEqual({ 'tpu-topology': '4x4' });
    expect(config.scale_groups['u']?.attributes).toEqual({ pool: 'a', 'tpu-topology': '2x2' });
    expect(lines(warnings)[0]).toBe(
      'py.yaml:5:5 scale_groups.t.topology: warning: legacy: topology "4x4" is written attributes: {tpu-topology: "4x4"} now (the attribute TPU workers report and jobs can constrain on); run iris config migrate',
    );
    await expectMigrates(text, 'py.yaml');
  });

  it('leaves resources to the user for a variant the offerings table does not know', async () => {
    const issues = await loadErrors(base('provider: { type: local }\nscale_groups:\n  g: { accelerator_type: tpu, accelerator_variant: v9-8 }\n'), 'py.yaml');
    expect(lines(issues)).toEqual([
      'py.yaml:4:6 scale_groups.g: missing required field "resources"; add "resources: {cpu: <cpu>, ram: 64GB}" — Resources of one VM of the group',
    ]);
  });
});
