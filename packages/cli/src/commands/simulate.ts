import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import type { CliCommandGroup } from './types.js';

function register(program: Command, io: CliIo): void {
  program
    .command('simulate')
    .description("replay a scenario's demand and faults against a cluster file's groups, providers faked")
    .requiredOption('-c, --config <file>', 'the cluster file')
    .requiredOption('--scenario <file>', 'the scenario (YAML or JSON): jobs, faults, provider behaviour')
    .option('--routing <strategy>', 'override defaults.autoscaler.routing: priority, cost, availability, round_robin or least_waste')
    .option('--json', 'print the timeline and summary as JSON')
    .action(async (options: { config: string; scenario: string; routing?: string; json?: boolean }) => {
      const { simulate } = await import('../actions/simulate.js');
      await simulate(
        { file: options.config, scenario: options.scenario, json: options.json === true, ...(options.routing ? { routing: options.routing } : {}) },
        io,
      );
    });
}

export const simulateCommand: CliCommandGroup = { name: 'simulate', register };
