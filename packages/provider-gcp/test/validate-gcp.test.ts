import { describe, expect, it } from 'vitest';
import { loadClusterText, type BuiltinPlugin } from '@iris/core/config';
import { gcpProvider, validateGcpCluster } from '../src/index.js';

const builtins: BuiltinPlugin[] = [{ plugin: gcpProvider, packageName: '@iris/provider-gcp', version: '0.1.0' }];

// The rules themselves, on files core loads without running them (the plugin's hooks are off).
const unchecked: BuiltinPlugin[] = [{ ...builtins[0]!, plugin: { ...gcpProvider, validate: undefined, validateController: undefined } }];

async function issuesOf(text: string): Promise<{ path: string; message: string }[]> {
  const { config } = await loadClusterText(text, 'cluster.yaml', { builtins: unchecked, env: {} });
  return validateGcpCluster(config).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

const head = `
provider: { type: gcp, project_id: my-project, zones: [europe-west4-b] }
controller:
  provider: { type: gcp, project_id: my-project, zone: europe-west4-b }
  image: europe-docker.pkg.dev/p/iris/iris-controller:1`;

function file(options: { bootstrap?: string; group?: string; provider?: string } = {}): string {
  return `${head}
defaults:
  bootstrap: ${options.bootstrap ?? '{ docker_image: europe-docker.pkg.dev/p/iris/iris-worker:1 }'}
scale_groups:
  pod:
    ${options.provider ? `provider: ${options.provider}\n    ` : ''}accelerator_type: tpu
    ${options.group ?? 'accelerator_variant: v5litepod-16\n    slice_size: 4'}
    resources: { cpu: 112, ram: 192GB, tpu_count: 4 }
    max_slices: 2
`;
}

describe('load-time checks of gcp groups', () => {
  it('accepts a well-formed file', async () => {
    expect(await issuesOf(file())).toEqual([]);
  });

  it('refuses a gcp group without a worker image', async () => {
    expect(await issuesOf(file({ bootstrap: '{ worker_port: 10001 }' }))).toEqual([
      { path: 'scale_groups.pod.provider', message: expect.stringContaining('add defaults.bootstrap.docker_image') },
    ]);
  });

  it('refuses a slice_size that is not the variant host count', async () => {
    expect(await issuesOf(file({ group: 'accelerator_variant: v5litepod-16\n    slice_size: 16' }))).toEqual([
      {
        path: 'scale_groups.pod.slice_size',
        message: 'v5litepod-16 has 4 hosts, so a slice is 4 VMs: set slice_size: 4 (it is 16; slice_size counts VMs, not chips)',
      },
    ]);
    expect(await issuesOf(file({ group: 'accelerator_variant: v4-32\n    slice_size: 1' }))).toEqual([
      { path: 'scale_groups.pod.slice_size', message: expect.stringContaining('v4-32 has 4 hosts') },
    ]);
  });

  it('refuses an address TPU VMs cannot reach, but not an emulator on loopback', async () => {
    for (const address of ['http://0.0.0.0:10000', 'http://127.0.0.1:10000', 'localhost:10000', 'http://[::1]:10000']) {
      expect(await issuesOf(file({ bootstrap: `{ docker_image: i, controller_address: "${address}" }` }))).toEqual([
        { path: 'defaults.bootstrap.controller_address', message: expect.stringContaining('TPU VMs of group pod cannot reach') },
      ]);
    }
    expect(await issuesOf(file({ bootstrap: '{ docker_image: i, controller_address: "http://10.0.0.2:10000" }' }))).toEqual([]);
    const emulated = '{ type: gcp, project_id: my-project, zones: [europe-west4-b], api_endpoint: "http://127.0.0.1:8470" }';
    expect(await issuesOf(file({ provider: emulated, bootstrap: '{ docker_image: i, controller_address: "http://127.0.0.1:1" }' }))).toEqual([]);
  });

  it('accepts queued resources and named reservations', async () => {
    const block = (extra: string, zones = '[europe-west4-b]'): string => `{ type: gcp, project_id: my-project, zones: ${zones}, ${extra} }`;
    expect(await issuesOf(file({ provider: block('queued_resource: true') }))).toEqual([]);
    expect(await issuesOf(file({ provider: block('queued_resource: true, capacity: spot') }))).toEqual([]);
    expect(await issuesOf(file({ provider: block('capacity: reserved, reservation: r1') }))).toEqual([]);
    expect(await issuesOf(file({ provider: block('capacity: reserved, queued_resource: true, reservation: r1') }))).toEqual([]);
    const full = 'capacity: reserved, reservation: projects/other/locations/europe-west4-a/reservations/r-2';
    expect(await issuesOf(file({ provider: block(full, '[europe-west4-b, europe-west4-a]') }))).toEqual([]);
  });

  it('refuses a reservation without reserved capacity, in a zone the group does not list, ambiguous or malformed', async () => {
    const block = (extra: string, zones = '[europe-west4-b]'): string => `{ type: gcp, project_id: my-project, zones: ${zones}, ${extra} }`;
    expect(await issuesOf(file({ provider: block('reservation: r1') }))).toEqual([
      { path: 'scale_groups.pod.provider.capacity', message: expect.stringContaining('set "capacity: reserved" or remove the reservation') },
    ]);
    expect(await issuesOf(file({ provider: block('capacity: reserved, reservation: r1', '[europe-west4-b, europe-west4-a]') }))).toEqual([
      {
        path: 'scale_groups.pod.provider.reservation',
        message: expect.stringContaining('is zonal, but the group lists 2 zones (europe-west4-b, europe-west4-a): keep only the reservation'),
      },
    ]);
    const elsewhere = 'capacity: reserved, reservation: projects/my-project/locations/us-east5-a/reservations/r1';
    expect(await issuesOf(file({ provider: block(elsewhere) }))).toEqual([
      { path: 'scale_groups.pod.provider.reservation', message: expect.stringContaining('is in zone us-east5-a, which is not one of the group') },
    ]);
    expect(await issuesOf(file({ provider: block('capacity: reserved, reservation: My_Reservation') }))).toEqual([
      { path: 'scale_groups.pod.provider.reservation', message: expect.stringContaining('is neither a reservation name') },
    ]);
  });

  it('refuses contradicting capacity settings and unknown runtimes', async () => {
    const onDemand = '{ type: gcp, project_id: my-project, zones: [europe-west4-b], capacity: on_demand }';
    const issues = await issuesOf(file({ provider: onDemand, group: 'accelerator_variant: v5litepod-16\n    slice_size: 4\n    preemptible: true' }));
    expect(issues).toEqual([{ path: 'scale_groups.pod.provider.capacity', message: expect.stringContaining('"preemptible: true" contradicts') }]);
    expect(await issuesOf(file({ group: 'accelerator_variant: v9-8\n    slice_size: 1' }))).toEqual([
      { path: 'scale_groups.pod.accelerator_variant', message: expect.stringContaining('set provider.runtime_version') },
    ]);
  });

  it('refuses a gcp controller without its project and zone, suggesting the top-level ones', async () => {
    const text = file().replace('provider: { type: gcp, project_id: my-project, zone: europe-west4-b }', 'provider: { type: gcp }');
    expect(await issuesOf(text)).toEqual([
      { path: 'controller.provider', message: 'the controller VM needs a project: add project_id (e.g. project_id: my-project)' },
      { path: 'controller.provider', message: 'the controller VM needs a zone: add zone (e.g. zone: europe-west4-b)' },
    ]);
  });

  it('refuses a gcp controller without an image', async () => {
    const text = file().replace('  image: europe-docker.pkg.dev/p/iris/iris-controller:1\n', '');
    expect(await issuesOf(text)).toEqual([{ path: 'controller', message: expect.stringContaining('add controller.image') }]);
  });
});
