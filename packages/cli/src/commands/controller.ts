import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import type { CliCommandGroup } from './types.js';
import { flag } from '../flags.js';
import { LOG_FORMATS, type LogFormat } from '@iris/core';

function register(program: Command, io: CliIo): void {
  const controller = program.command('controller').description('the controller daemon');
  controller
    .command('serve')
    .description('serve the controller API from a state dir (writes DIR/controller.json and DIR/token); runs until SIGTERM/SIGINT')
    .requiredOption('--state-dir <dir>', 'where the database, token and bundles live')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks a free one)', flag.port, 0)
    .option('--log-format <format>', 'log lines on stderr as json (for machines) or text (for people)', flag.oneOf(LOG_FORMATS), 'json' as LogFormat)
    .option('-c, --config <file>', 'a cluster file: also run its scale groups and autoscaler')
    .option('--advertise-url <url>', "the URL the cluster's VMs dial to reach this controller (e.g. a GCE VM's http://INTERNAL_IP:PORT); with -c")
    .action(async (options: { stateDir: string; host: string; port: number; logFormat: LogFormat; config?: string; advertiseUrl?: string }) => {
      const { resolve } = await import('node:path');
      const { usageError } = await import('../exit-codes.js');
      const port = options.port;
      const { serve } = await import('@iris/controller');
      if (options.advertiseUrl !== undefined && !/^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(options.advertiseUrl)) {
        throw usageError(`--advertise-url must be a URL such as http://10.0.0.2:10000, not "${options.advertiseUrl}"`);
      }
      if (options.advertiseUrl !== undefined && !options.config)
        throw usageError("--advertise-url goes with -c FILE: it tells the cluster's VMs where to dial");
      let cluster;
      if (options.config) {
        const { loadClusterFile } = await import('../cluster-file.js');
        const { irisCommand } = await import('../cluster/cluster-target.js');
        const loaded = await loadClusterFile(options.config, io);
        cluster = {
          config: loaded.config,
          registry: loaded.registry,
          clusterFile: resolve(io.cwd, options.config),
          irisCommand: irisCommand(),
          ...(options.advertiseUrl !== undefined ? { advertiseUrl: options.advertiseUrl.replace(/\/+$/, '') } : {}),
        };
      }
      const handle = await serve({
        stateDir: resolve(io.cwd, options.stateDir),
        host: options.host,
        port,
        logFormat: options.logFormat,
        ...(cluster ? { cluster } : {}),
      });
      io.err(`iris controller serving at ${handle.url} (state in ${handle.stateDir})\n`);
      // serve() owns SIGTERM/SIGINT; keep the command alive until then.
      await new Promise<never>(() => undefined);
    });
}

export const controllerCommand: CliCommandGroup = { name: 'controller', register };
