import { defineProvider } from '@iris/core';
import { manualControllerSchema, manualProviderSchema } from './schema.js';
import { manualPlatformFactory } from './platform/manual-platform.js';

/**
 * The manual provider plugin: its config schemas and its platform factory (SSH bootstrap of
 * workers and the controller on a fixed pool of hosts).
 */
export const manualProvider = defineProvider({
  type: 'manual',
  description: 'A fixed list of machines reached over SSH; workers are started and stopped on them.',
  configSchema: manualProviderSchema,
  controllerSchema: manualControllerSchema,
  platformFactory: manualPlatformFactory,
});

export default manualProvider;
