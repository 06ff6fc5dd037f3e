import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import type { CliCommandGroup } from './types.js';

function register(program: Command, io: CliIo): void {
  const providers = program
    .command('providers')
    .description('list the installed providers: type, aliases, package, version and where from')
    .option('-c, --config <file>', 'also load the plugins this cluster file lists')
    .option('--json', 'print the list as JSON')
    .action(async (options: { config?: string; json?: boolean }) => {
      const { listProviders } = await import('../actions/providers.js');
      await listProviders(options, io);
    });
  providers
    .command('new')
    .description('scaffold a provider package (builds, and passes the conformance suite, as generated)')
    .argument('<name>', 'provider type, e.g. "acme": the package is iris-provider-<name>')
    .option('--dir <dir>', 'folder to create (default: ./iris-provider-<name>)')
    .action(async (name: string, options: { dir?: string }) => {
      const { newProvider } = await import('../actions/new-provider.js');
      await newProvider(name, options, io);
    });
}

export const providersCommand: CliCommandGroup = { name: 'providers', register };
