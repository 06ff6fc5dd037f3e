import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import type { CliCommandGroup } from './types.js';

function register(program: Command, io: CliIo): void {
  program
    .command('schema')
    .description('print the JSON Schema (draft-07) of cluster files, for editors')
    .option('-c, --config <file>', 'also include the schemas of the plugins this cluster file lists')
    .option('-o, --output <file>', 'write the schema to this file instead of stdout')
    .action(async (options: { config?: string; output?: string }) => {
      const { printSchema } = await import('../actions/schema.js');
      await printSchema(options, io);
    });
}

export const schemaCommand: CliCommandGroup = { name: 'schema', register };
