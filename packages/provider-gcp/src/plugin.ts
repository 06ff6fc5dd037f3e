import { defineProvider } from '@iris/core';
import type { PlatformFactory } from '@iris/core';
import type { GcpControllerConfig, GcpProviderConfig } from './config-types.js';
import { gcpControllerSchema, gcpProviderSchema } from './schema.js';
import { gcpControllerBlockIssues, gcpGroupBlockIssues } from './validate/block-validators.js';

/**
 * The gcp provider plugin: its platform factory creates TPU slices and the GCE controller host;
 * it also contributes the schemas of its config blocks.
 */
/**
 * Loading the Google client libraries takes seconds; a CLI that only validates a cluster file must
 * not pay for them. The real factory is imported on the first platform created.
 */
const lazyGcpPlatformFactory: PlatformFactory = {
  type: 'gcp',
  create: async (config, deps) => (await import('./platform/gcp-platform.js')).gcpPlatformFactory.create(config, deps),
};

export const gcpProvider = defineProvider<GcpProviderConfig, GcpControllerConfig>({
  type: 'gcp',
  // `tpu` is the name seed-era cluster files use (`provider: {type: tpu}`).
  aliases: ['tpu'],
  description: 'TPU VM slices on Google Cloud; the controller on a GCE VM.',
  configSchema: gcpProviderSchema,
  controllerSchema: gcpControllerSchema,
  // Load-time rules (slice_size vs hosts, unroutable controller_address, unsupported fields), at file:line:col.
  validate: gcpGroupBlockIssues,
  validateController: gcpControllerBlockIssues,
  platformFactory: lazyGcpPlatformFactory,
});

export default gcpProvider;
