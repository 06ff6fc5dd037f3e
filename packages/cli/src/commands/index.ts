import { configCommands } from './config.js';
import { providersCommand } from './providers.js';
import { schemaCommand } from './schema.js';
import type { CliCommandGroup } from './types.js';
import { workerCommand } from './worker.js';
import { controllerCommand } from './controller.js';
import { jobCommands } from './job.js';
import { clusterCommands } from './cluster.js';
import { simulateCommand } from './simulate.js';
import { offeringsCommand } from './offerings.js';
import { dashboardCommand } from './dashboard.js';

export type { CliCommandGroup } from './types.js';

/**
 * Every command group of `iris`, in the order `iris --help` lists them. To add a group: one file
 * in this folder exporting a CliCommandGroup, one import above and one entry below.
 */
export const COMMAND_GROUPS: readonly CliCommandGroup[] = [
  clusterCommands,
  simulateCommand,
  offeringsCommand,
  dashboardCommand,
  configCommands,
  schemaCommand,
  providersCommand,
  workerCommand,
  controllerCommand,
  jobCommands,
];
