import { defineProvider } from '@iris/core';
import { localPlatformFactory } from './platform/local-platform.js';
import { localControllerSchema, localProviderSchema } from './schema.js';

/** The local provider plugin: worker slices and the controller as processes on this machine. */
export const localProvider = defineProvider({
  type: 'local',
  description: 'Workers and the controller as processes on this machine.',
  configSchema: localProviderSchema,
  controllerSchema: localControllerSchema,
  platformFactory: localPlatformFactory,
});

export default localProvider;
