import { defineProvider } from '@iris/core';
import type { ManualControllerConfig, ManualProviderConfig } from './config-types.js';
import { manualHostIssues } from './hosts.js';
import { manualControllerSchema, manualProviderSchema } from './schema.js';
import { manualPlatformFactory } from './platform/manual-platform.js';

/**
 * The manual provider plugin: its config schemas and its platform factory (SSH bootstrap of
 * workers and the controller on a fixed pool of hosts).
 */
export const manualProvider = defineProvider<ManualProviderConfig, ManualControllerConfig>({
  type: 'manual',
  description: 'A fixed list of machines reached over SSH; workers are started and stopped on them.',
  configSchema: manualProviderSchema,
  controllerSchema: manualControllerSchema,
  // Duplicate hosts and fingerprints of hosts the group does not list are load errors at file:line:col.
  validate: (config, ctx) => manualHostIssues(config, Number((ctx.cluster['defaults'] as { ssh?: { port?: number } } | undefined)?.ssh?.port ?? 22)),
  platformFactory: manualPlatformFactory,
});

export default manualProvider;
