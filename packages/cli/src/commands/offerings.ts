import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import type { CliCommandGroup } from './types.js';

function register(program: Command, io: CliIo): void {
  program
    .command('offerings')
    .description('what each provider of the cluster file can create (type, zones, vCPU/memory, prices, availability) and which groups match')
    .option('-c, --config <file>', "the cluster file (default: the built-in local cluster's)")
    .option('--json', 'JSON output')
    .action(async (options: { config?: string; json?: boolean }) => {
      const { offerings } = await import('../actions/offerings.js');
      await offerings({ ...(options.config ? { file: options.config } : {}), json: options.json === true }, io);
    });
}

export const offeringsCommand: CliCommandGroup = { name: 'offerings', register };
