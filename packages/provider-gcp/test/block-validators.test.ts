import { describe, expect, it } from 'vitest';
import { loadClusterText, type BuiltinPlugin } from '@iris/core/config';
import type { GcpControllerConfig, GcpProviderConfig } from '../src/config-types.js';
import { gcpProvider } from '../src/index.js';
import { gcpControllerBlockIssues, gcpGroupBlockIssues } from '../src/validate/block-validators.js';

// Loaded with the plugin's hooks off: the test calls the validators itself.
const builtins: BuiltinPlugin[] = [
  { plugin: { ...gcpProvider, validate: undefined, validateController: undefined }, packageName: '@iris/provider-gcp', version: '0.1.0' },
];

const FILE = `
provider: { type: gcp, project_id: my-project, zones: [europe-west4-b], queued_resource: true }
controller:
  provider: { type: gcp }
defaults:
  bootstrap: { controller_address: "http://0.0.0.0:10000" }
scale_groups:
  pod:
    accelerator_type: tpu
    accelerator_variant: v5litepod-16
    slice_size: 16
    resources: { cpu: 112, ram: 192GB, tpu_count: 4 }
    max_slices: 2
`;

// The adapters core's load-time hooks (defineProvider v2 validate/validateController) call.
describe('the gcp rules as provider-block validators', () => {
  it("reports a group block's own fields at their path and the rest at the block, naming the field", async () => {
    const { config } = await loadClusterText(FILE, 'cluster.yaml', { builtins, env: {} });
    const group = config.scale_groups['pod']!;
    const issues = gcpGroupBlockIssues(group.provider as unknown as GcpProviderConfig, { group: { ...group }, cluster: { ...config } });
    expect(issues).toEqual([
      // Older files have no worker image: a warning, they still load.
      { path: [], message: expect.stringContaining('add defaults.bootstrap.docker_image'), severity: 'warning' },
      { path: [], message: expect.stringMatching(/^scale_groups\.pod\.slice_size: v5litepod-16 has 4 hosts/) },
      { path: [], message: expect.stringMatching(/^defaults\.bootstrap\.controller_address: "http:\/\/0\.0\.0\.0:10000"/) },
    ]);
    const controller = gcpControllerBlockIssues(config.controller.provider as unknown as GcpControllerConfig, { cluster: { ...config } });
    // Older controller blocks miss these: warnings, the file still loads.
    expect(controller.every((i) => i.severity === 'warning')).toBe(true);
    expect(controller.map((i) => i.message)).toEqual([
      expect.stringContaining('add project_id (e.g. project_id: my-project)'),
      expect.stringContaining('add zone (e.g. zone: europe-west4-b)'),
      expect.stringContaining('controller: the controller VM runs the controller from a container image'),
    ]);
  });
});
