import { defineProvider } from '@iris/core';
import { localControllerSchema, localProviderSchema } from './schema.js';

/**
 * The local provider plugin. Its platform factory (worker and controller processes) arrives in a
 * later issue as `platformFactory:` here; until then it contributes its config schemas.
 */
export const localProvider = defineProvider({
  type: 'local',
  description: 'Workers and the controller as processes on this machine.',
  configSchema: localProviderSchema,
  controllerSchema: localControllerSchema,
});

export default localProvider;
