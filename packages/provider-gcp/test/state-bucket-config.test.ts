import { describe, expect, it } from 'vitest';
import type { ConfigIssue } from '@iris/core';
import { ConfigError, loadClusterText, type BuiltinPlugin } from '@iris/core/config';
import { gcpProvider } from '../src/index.js';

const builtins: BuiltinPlugin[] = [{ plugin: gcpProvider, packageName: '@iris/provider-gcp', version: '0.1.0' }];

const load = (text: string) => loadClusterText(text, 'cluster.yaml', { builtins, env: {} });

/** A gcp controller block with `extra` lines (indented 4) after its zone; state_bucket is line 7. */
function file(extra: string): string {
  return `controller:
  image: europe-docker.pkg.dev/p/iris/iris-controller:1
  provider:
    type: gcp
    project_id: my-project
    zone: europe-west4-b
${extra
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
defaults:
  bootstrap: { docker_image: europe-docker.pkg.dev/p/iris/iris-worker:1 }
scale_groups:
  pod:
    provider: { type: gcp, project_id: my-project, zones: [europe-west4-b] }
    accelerator_type: tpu
    accelerator_variant: v5litepod-16
    slice_size: 4
    resources: { cpu: 112, ram: 192GB, tpu_count: 4 }
    max_slices: 2
`;
}

async function errorsOf(text: string): Promise<ConfigIssue[]> {
  const err = await load(text).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).issues.filter((i) => i.severity === 'error');
}

describe('controller.provider state_bucket and its snapshot settings', () => {
  it('loads with the defaults: every 10m, the newest 10 kept', async () => {
    const { config } = await load(file('state_bucket: my-iris-state'));
    expect(config.controller.provider).toMatchObject({ state_bucket: 'my-iris-state', state_snapshot_interval: '10m', state_snapshots_kept: 10 });
  });

  it('refuses a zero interval at its line, with what to write', async () => {
    const errors = await errorsOf(file('state_bucket: my-iris-state\nstate_snapshot_interval: 0s'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'cluster.yaml', line: 8, path: 'controller.provider.state_snapshot_interval' });
    expect(errors[0]!.message).toMatch(/^must be above 0 \(got 0ms\).*10m/);
  });

  it('refuses an interval that is not a duration, a bucket written as a URL and keeping none', async () => {
    const errors = await errorsOf(file('state_bucket: gs://my-iris-state\nstate_snapshot_interval: often\nstate_snapshots_kept: 0'));
    expect(errors.map((e) => `${e.line} ${e.path}`).sort()).toEqual([
      '7 controller.provider.state_bucket',
      '8 controller.provider.state_snapshot_interval',
      '9 controller.provider.state_snapshots_kept',
    ]);
    expect(errors.find((e) => e.path.endsWith('state_snapshot_interval'))?.message).toMatch(/often/);
  });
});
