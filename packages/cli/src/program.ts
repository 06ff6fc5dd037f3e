import { Command, CommanderError } from 'commander';
import { COMMAND_GROUPS } from './commands/index.js';
import type { CliIo } from './context.js';
import { EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { reportError } from './report-error.js';

/** The `iris` program with every command group of commands/index.ts registered. */
export function buildProgram(io: CliIo, version: string): Command {
  const program = new Command('iris')
    .description('Run ML work on accelerator machines: one controller, autoscaled scale groups, any provider.')
    .version(version, '-V, --version', 'print the version')
    // Set before the groups register: subcommands inherit these settings when they are created.
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .showSuggestionAfterError(true)
    .showHelpAfterError("(run 'iris --help' for usage)")
    .exitOverride();
  for (const group of COMMAND_GROUPS) group.register(program, io);
  return program;
}

/** Commander's own exits: help and version are 0, anything it rejects is bad usage (2). */
function commanderExitCode(err: CommanderError): number {
  return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
}

/** Parses `argv` (user arguments only), runs the chosen command and resolves to its exit code. */
export async function runProgram(argv: readonly string[], io: CliIo, version: string): Promise<number> {
  const program = buildProgram(io, version);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    // Commander is this package's own dependency (one copy), so instanceof is safe here.
    if (err instanceof CommanderError) return commanderExitCode(err);
    return reportError(err, io);
  }
}
