import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import type { CliCommandGroup } from './types.js';

function register(program: Command, io: CliIo): void {
  program
    .command('providers')
    .description('list the installed providers: type, aliases, package, version and where from')
    .option('-c, --config <file>', 'also load the plugins this cluster file lists')
    .option('--json', 'print the list as JSON')
    .action(async (options: { config?: string; json?: boolean }) => {
      const { listProviders } = await import('../actions/providers.js');
      await listProviders(options, io);
    });
}

export const providersCommand: CliCommandGroup = { name: 'providers', register };
