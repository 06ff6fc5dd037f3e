import { describe, expect, it } from 'vitest';
import type { ConfigIssue } from '@iris/core';
import { ConfigError, loadClusterText, type BuiltinPlugin } from '@iris/core/config';
import { gcpProvider } from '../src/index.js';

// The plugin as core loads it: its validate/validateController hooks on.
const builtins: BuiltinPlugin[] = [{ plugin: gcpProvider, packageName: '@iris/provider-gcp', version: '0.1.0' }];

const load = (text: string) => loadClusterText(text, 'cluster.yaml', { builtins, env: {} });

async function errorsOf(text: string): Promise<ConfigIssue[]> {
  const err = await load(text).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).issues.filter((i) => i.severity === 'error');
}

function file(options: { controller?: string; bootstrap?: string; group?: string; provider?: string } = {}): string {
  return `provider: { type: gcp, project_id: my-project, zones: [europe-west4-b] }
controller:
  ${options.controller ?? 'provider: { type: gcp, project_id: my-project, zone: europe-west4-b }\n  image: europe-docker.pkg.dev/p/iris/iris-controller:1'}
defaults:
  bootstrap: ${options.bootstrap ?? '{ docker_image: europe-docker.pkg.dev/p/iris/iris-worker:1 }'}
scale_groups:
  pod:
    provider: ${options.provider ?? '{ type: gcp, project_id: my-project, zones: [europe-west4-b] }'}
    accelerator_type: tpu
    ${options.group ?? 'accelerator_variant: v5litepod-16\n    slice_size: 4'}
    resources: { cpu: 112, ram: 192GB, tpu_count: 4 }
    max_slices: 2
`;
}

describe("gcp's load-time rules, run by core through the plugin's hooks", () => {
  it('loads a correct file with no gcp warning', async () => {
    const { warnings } = await load(file());
    expect(warnings).toEqual([]);
  });

  it('refuses a slice_size that is not the host count, at the group provider block with the value to set', async () => {
    const errors = await errorsOf(file({ group: 'accelerator_variant: v5litepod-16\n    slice_size: 16' }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'cluster.yaml', line: 9, path: 'scale_groups.pod.provider' });
    expect(errors[0]!.message).toMatch(/v5litepod-16 has 4 hosts.*set slice_size: 4/);
  });

  it('loads queued_resource and reservation, and refuses a bad reservation at its own line', async () => {
    const block = (extra: string): string =>
      `\n      type: gcp\n      project_id: my-project\n      zones: [europe-west4-b]\n      capacity: reserved\n      queued_resource: true\n${extra}`;
    expect((await load(file({ provider: block('      reservation: my-res') }))).warnings).toEqual([]);
    const errors = await errorsOf(file({ provider: block('      reservation: projects/my-project/locations/us-east5-a/reservations/r1') }));
    expect(errors.map((e) => `${e.line} ${e.path}`)).toEqual(['15 scale_groups.pod.provider.reservation']);
    expect(errors[0]!.message).toContain('us-east5-a');
  });

  it('refuses a loopback controller_address for real TPU VMs', async () => {
    const errors = await errorsOf(
      file({ bootstrap: '{ docker_image: europe-docker.pkg.dev/p/iris/iris-worker:1, controller_address: "http://127.0.0.1:10000" }' }),
    );
    expect(errors.map((e) => e.message).join('\n')).toMatch(/127\.0\.0\.1:10000.*cannot reach/);
  });

  it('loads an older file with no worker image and a controller block without project_id, warning what to add', async () => {
    const { warnings } = await load(
      file({
        bootstrap: '{ cache_dir: /tmp/iris-cache }',
        controller: 'provider: { type: gcp, zone: europe-west4-b }\n  image: europe-docker.pkg.dev/p/iris/iris-controller:1',
      }),
    );
    const text = warnings.map((w) => `${w.line}:${w.column} ${w.path}: ${w.message}`);
    expect(text).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^9:\d+ scale_groups\.pod\.provider: .*add defaults\.bootstrap\.docker_image/),
        expect.stringMatching(/^3:\d+ controller\.provider: .*add project_id \(e\.g\. project_id: my-project\)/),
      ]),
    );
    expect(warnings.every((w) => w.severity === 'warning')).toBe(true);
  });
});
