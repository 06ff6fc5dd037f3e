import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import type { CliCommandGroup } from './types.js';

function register(program: Command, io: CliIo): void {
  const config = program.command('config').description('check cluster files and rewrite legacy ones');
  config
    .command('validate')
    .description('validate a cluster file; exit 2 and list every error when it is invalid')
    .argument('<file>', 'the cluster file (YAML)')
    .option('--json', 'print the resolved config (or {"errors": [...]}) as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const { validateCluster } = await import('../actions/config.js');
      await validateCluster(file, options, io);
    });
  config
    .command('migrate')
    .description('print a cluster file in the canonical form (legacy layouts converted)')
    .argument('<file>', 'the cluster file (YAML)')
    .option('-w, --write', 'rewrite the file in place, keeping the original as FILE.bak')
    .action(async (file: string, options: { write?: boolean }) => {
      const { migrateCluster } = await import('../actions/config.js');
      await migrateCluster(file, options, io);
    });
}

export const configCommands: CliCommandGroup = { name: 'config', register };
