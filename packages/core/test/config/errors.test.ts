import { describe, expect, it } from 'vitest';
import { type ConfigIssue } from '../../src/index.js';
import { ConfigError, formatConfigIssue, loadCluster, loadClusterText } from '../../src/config/index.js';
import { LOAD } from '../helpers/test-providers.js';

async function errorsOf(text: string, file = 'cluster.yaml'): Promise<string[]> {
  try {
    await loadClusterText(text, file, LOAD);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('IRIS_CONFIG_INVALID');
    return (err as ConfigError).issues.filter((i: ConfigIssue) => i.severity === 'error').map(formatConfigIssue);
  }
  throw new Error('expected a ConfigError');
}

const RES = 'resources: { cpu: 1, ram: 1GB }';

describe('named config errors: message and position', () => {
  it('unknown provider type lists the installed ones', async () => {
    expect(
      await errorsOf(`scale_groups:
  edge:
    ${RES}
    provider:
      type: aws
`),
    ).toEqual(['cluster.yaml:5:13 scale_groups.edge.provider.type: unknown provider "aws" (installed: gcp, local, manual); add its package to plugins:']);
  });

  it('a near-miss provider type gets a suggestion', async () => {
    expect(await errorsOf(`provider: { type: manul, hosts: [a] }\n`)).toEqual([
      'cluster.yaml:1:19 provider.type: unknown provider "manul" (installed: gcp, local, manual); did you mean "manual"?',
    ]);
  });

  it('missing project_id (gcp) points at the provider block', async () => {
    expect(
      await errorsOf(`scale_groups:
  tpus:
    ${RES}
    provider:
      type: gcp
      zones: [us-central2-b]
`),
    ).toEqual([
      'cluster.yaml:5:7 scale_groups.tpus.provider: missing required field "project_id" (required by the gcp provider); add "project_id: <project_id>"',
    ]);
  });

  it('missing hosts (manual)', async () => {
    expect(await errorsOf(`scale_groups:\n  lab: { ${RES}, provider: { type: manual, ssh_user: ray } }\n`)).toEqual([
      'cluster.yaml:2:53 scale_groups.lab.provider: missing required field "hosts" (required by the manual provider); add "hosts: [<host>, …]"',
    ]);
  });

  it('a group with no provider and no top-level provider', async () => {
    expect(await errorsOf(`name: x\nscale_groups:\n  orphan:\n    ${RES}\n`)).toEqual([
      'cluster.yaml:3:3 scale_groups.orphan: the group has no provider and the file sets no top-level provider: add provider: {type: …} to the group or at the top (installed: gcp, local, manual)',
    ]);
  });

  it('a YAML syntax error', async () => {
    const [first] = await errorsOf(`name: x\nscale_groups:\n  a: [1, 2\n  b: 3\n`);
    expect(first).toMatch(/^cluster\.yaml:\d+:\d+ \(root\): YAML syntax error: /);
    expect(await errorsOf(`name: x\nname: y\n`)).toEqual([expect.stringMatching(/^cluster\.yaml:2:1 \(root\): YAML syntax error: Map keys must be unique/)]);
  });

  it('an unknown key says which and suggests the closest valid one', async () => {
    expect(await errorsOf(`provider: { type: local }\nscale_groups:\n  a:\n    ${RES}\n    max_slice: 3\n`)).toEqual([
      'cluster.yaml:5:5 scale_groups.a.max_slice: unknown key "max_slice" (did you mean "max_slices"?)',
    ]);
    expect(await errorsOf(`controler: {}\n`)).toEqual(['cluster.yaml:1:1 controler: unknown key "controler" (did you mean "controller"?)']);
    expect(await errorsOf(`defaults: { ssh: { zebra: 1 } }\n`)).toEqual([
      'cluster.yaml:1:20 defaults.ssh.zebra: unknown key "zebra" (valid keys: user, port, key_file, connect_timeout)',
    ]);
  });

  it('a bad duration', async () => {
    expect(await errorsOf(`defaults:\n  timeouts:\n    boot: 5 minutes\n`)).toEqual([
      'cluster.yaml:3:11 defaults.timeouts.boot: invalid duration "5 minutes" (e.g. 500ms, 30s, 5m, 1h30m, or integer milliseconds)',
    ]);
  });

  it('a bad size', async () => {
    expect(await errorsOf(`provider: { type: local }\nscale_groups:\n  a:\n    resources: { cpu: 1, ram: lots }\n`)).toEqual([
      'cluster.yaml:4:31 scale_groups.a.resources.ram: invalid size "lots" (e.g. 64GB, 512MiB, 1TB, or integer bytes)',
    ]);
  });

  it('several errors in one file, all at once, in file order', async () => {
    const errors = await errorsOf(`name: Not A Label
plugins: [hello-missing]
`);
    // Plugins are resolved first: a missing one stops before validation (the schema needs it).
    expect(errors).toEqual([expect.stringMatching(/^cluster\.yaml:2:11 plugins\.0: plugin "hello-missing" not found/)]);

    expect(
      await errorsOf(`name: Not A Label
provider: { type: gcp, project_id: p }
defaults:
  timeouts: { boot: soon }
scale_groups:
  a:
    resources: { cpu: 0, ram: 1GB }
    accelerator_type: fpga
    min_slices: 3
    max_slices: 1
  b:
    resources: { cpu: 1 }
    priority: high
`),
    ).toEqual([
      expect.stringMatching(/^cluster\.yaml:1:7 name: invalid value "Not A Label": expected Cluster name/),
      'cluster.yaml:2:11 provider: missing required field "zones" (required by the gcp provider); add "zones: [<zone>, …]"',
      'cluster.yaml:4:21 defaults.timeouts.boot: invalid duration "soon" (e.g. 500ms, 30s, 5m, 1h30m, or integer milliseconds)',
      'cluster.yaml:7:23 scale_groups.a.resources.cpu: must be > 0, got 0',
      'cluster.yaml:8:23 scale_groups.a.accelerator_type: invalid value "fpga": expected one of "cpu", "gpu", "tpu"',
      'cluster.yaml:12:16 scale_groups.b.resources: missing required field "ram"; add "ram: 64GB" — Memory per VM (e.g. 64GB, 512MiB, 1TB, or integer bytes)',
      'cluster.yaml:13:15 scale_groups.b.priority: must be a whole number, got "high"',
    ]);
  });

  it('semantic errors after validation: min above max, a name that differs from its key', async () => {
    expect(await errorsOf(`provider: { type: local }\nscale_groups:\n  a: { name: b, ${RES}, min_slices: 2, max_slices: 1 }\n`)).toEqual([
      'cluster.yaml:3:14 scale_groups.a.name: name "b" differs from the group\'s key "a"; remove it or make them equal',
      'cluster.yaml:3:62 scale_groups.a.min_slices: min_slices (2) is above max_slices (1)',
    ]);
  });

  it('a controller provider that cannot host the controller, or is not installed', async () => {
    expect(await errorsOf(`controller: { provider: { type: nope } }\n`)).toEqual([
      'cluster.yaml:1:33 controller.provider.type: unknown provider "nope" (installed: gcp, local, manual); add its package to plugins:',
    ]);
    const { BUILTINS } = await import('../helpers/test-providers.js');
    const noLocal = BUILTINS.filter((b) => b.plugin.type !== 'local');
    await expect(loadClusterText('name: x\n', 'c.yaml', { builtins: noLocal, env: {} })).rejects.toThrow(
      /c\.yaml:1:1 controller: the default controller provider "local" is not installed; set controller\.provider to one that can \(gcp, manual\)/,
    );
  });

  it('a list or mapping used as a key', async () => {
    expect(await errorsOf('name: x\n? [a, b]\n: 1\n')).toEqual([
      'cluster.yaml:2:3 (root): a key must be plain text, not a list or mapping (is a ":" misplaced?)',
    ]);
  });

  it('a non-finite number (YAML .inf)', async () => {
    expect(await errorsOf('controller: { worker_timeout: .inf }\n')).toEqual([
      'cluster.yaml:1:31 controller.worker_timeout: must be a finite number (.inf and .nan are not allowed)',
    ]);
  });

  it('an unresolved alias', async () => {
    expect(await errorsOf('provider: *nope\n')).toEqual([
      expect.stringMatching(/^cluster\.yaml:1:11 \(root\): YAML syntax error: .*nope|^cluster\.yaml:1:1 \(root\): cannot read the YAML document \(.*nope/),
    ]);
  });

  it('an empty file, a non-mapping document and an unreadable file', async () => {
    expect(await errorsOf('')).toEqual(['cluster.yaml:1:1 (root): the cluster file is empty; it needs at least scale_groups: or a provider:']);
    expect(await errorsOf('- a\n- b\n')).toEqual(['cluster.yaml:1:1 (root): must be a mapping, got a list']);
    await expect(loadCluster('/no/such/cluster.yaml', LOAD)).rejects.toThrow(
      /\/no\/such\/cluster\.yaml:1:1 \(root\): cannot read the cluster file \(no such file\)/,
    );
  });

  it('the ConfigError message lists every error, one per line', async () => {
    const err = await loadClusterText('controler: 1\nnmae: x\n', 'c.yaml', LOAD).catch((e: unknown) => e as ConfigError);
    expect((err as ConfigError).message).toBe(
      [
        'c.yaml: 2 errors in the cluster file',
        '  c.yaml:1:1 controler: unknown key "controler" (did you mean "controller"?)',
        '  c.yaml:2:1 nmae: unknown key "nmae" (did you mean "name"?)',
      ].join('\n'),
    );
  });
});
