import { defineProvider } from '@iris/core';
import { helloPlatformFactory } from './hello-platform.js';
import { helloProviderSchema } from './schema.js';

/** The plugin a cluster file loads with `plugins: [hello]`. */
export const helloProvider = defineProvider({
  type: 'hello',
  aliases: ['hi'],
  description: 'Example provider: each VM is an Iris worker process on the controller machine.',
  configSchema: helloProviderSchema,
  platformFactory: helloPlatformFactory,
});
