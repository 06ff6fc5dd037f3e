import { defineProvider } from '@iris/core';
import { gcpPlatformFactory } from './platform/gcp-platform.js';
import { gcpControllerSchema, gcpProviderSchema } from './schema.js';

/**
 * The gcp provider plugin: its platform factory creates TPU slices and the GCE controller host;
 * it also contributes the schemas of its config blocks.
 */
export const gcpProvider = defineProvider({
  type: 'gcp',
  // `tpu` is the name seed-era cluster files use (`provider: {type: tpu}`).
  aliases: ['tpu'],
  description: 'TPU VM slices on Google Cloud; the controller on a GCE VM.',
  configSchema: gcpProviderSchema,
  controllerSchema: gcpControllerSchema,
  platformFactory: gcpPlatformFactory,
});

export default gcpProvider;
