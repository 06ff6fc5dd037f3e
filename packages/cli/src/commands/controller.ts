import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import type { CliCommandGroup } from './types.js';

function register(program: Command, io: CliIo): void {
  const controller = program.command('controller').description('the controller daemon');
  controller
    .command('serve')
    .description('serve the controller API from a state dir (writes DIR/controller.json and DIR/token); runs until SIGTERM/SIGINT')
    .requiredOption('--state-dir <dir>', 'where the database, token and bundles live')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '0')
    .option('-c, --config <file>', 'a cluster file: also run its scale groups and autoscaler')
    .action(async (options: { stateDir: string; host: string; port: string; config?: string }) => {
      const { resolve } = await import('node:path');
      const { usageError } = await import('../exit-codes.js');
      const port = Number(options.port);
      if (!/^[0-9]{1,5}$/.test(options.port) || port > 65535) throw usageError(`--port must be a number from 0 to 65535, not "${options.port}"`);
      const { serve } = await import('@iris/controller');
      let cluster;
      if (options.config) {
        const { loadClusterFile } = await import('../cluster-file.js');
        const { irisCommand } = await import('../cluster/cluster-target.js');
        const loaded = await loadClusterFile(options.config, io);
        cluster = { config: loaded.config, registry: loaded.registry, clusterFile: resolve(io.cwd, options.config), irisCommand: irisCommand() };
      }
      const handle = await serve({ stateDir: resolve(io.cwd, options.stateDir), host: options.host, port, ...(cluster ? { cluster } : {}) });
      io.err(`iris controller serving at ${handle.url} (state in ${handle.stateDir})\n`);
      // serve() owns SIGTERM/SIGINT; keep the command alive until then.
      await new Promise<never>(() => undefined);
    });
}

export const controllerCommand: CliCommandGroup = { name: 'controller', register };
