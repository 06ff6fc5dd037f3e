import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import type { CliCommandGroup } from './types.js';
import { withConnection, type ConnectionOptions } from '../connection.js';

function register(program: Command, io: CliIo): void {
  program
    .command('start')
    .description('start the cluster: its controller, then scale groups grow with demand (no FILE: a built-in local cluster)')
    .option('-c, --config <file>', 'the cluster file')
    .option('--detach', 'return once the controller is up instead of following it until Ctrl-C')
    .action(async (options: { config?: string; detach?: boolean }) => {
      const { startCluster } = await import('../actions/cluster.js');
      await startCluster({ ...(options.config ? { file: options.config } : {}), detach: options.detach === true }, io);
    });
  program
    .command('stop')
    .description('stop the controller and terminate every slice the cluster owns')
    .option('-c, --config <file>', 'the cluster file (default: the built-in local cluster)')
    .action(async (options: { config?: string }) => {
      const { stopCluster } = await import('../actions/cluster.js');
      await stopCluster(options.config ? { file: options.config } : {}, io);
    });
  withConnection(
    program.command('status').description('controller, groups, slices (state, worker), workers, jobs and pending demand').option('--json', 'print JSON'),
  ).action(async (options: ConnectionOptions & { json?: boolean }) => {
    const { clusterStatus } = await import('../actions/cluster.js');
    await clusterStatus({ ...(options.config ? { file: options.config } : {}), json: options.json === true, connection: options }, io);
  });
  const autoscaler = program.command('autoscaler').description("the autoscaler's decisions");
  withConnection(
    autoscaler.command('explain').description('why each group is at its size and why each pending task waits').option('--json', 'print JSON'),
  ).action(async (options: ConnectionOptions & { json?: boolean }) => {
    const { explainAutoscaler } = await import('../actions/cluster.js');
    await explainAutoscaler({ ...(options.config ? { file: options.config } : {}), json: options.json === true, connection: options }, io);
  });
}

export const clusterCommands: CliCommandGroup = { name: 'cluster', register };
