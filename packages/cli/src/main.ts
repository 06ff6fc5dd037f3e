import { createRequire } from 'node:module';
import type { CliIo } from './context.js';

/** The CLI's own version, read from package.json at run time (src/ and dist/ sit one level below it). */
export function cliVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

const VERSION_FLAGS = new Set(['--version', '-V']);

function processIo(): CliIo {
  // `iris providers | head -1` closes the pipe early: that is the reader being done, not a crash.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
}

/**
 * Runs the `iris` command with `argv` (without `node` and the script) and resolves to the exit
 * code: 0 ok, 1 failure, 2 bad usage or invalid config.
 *
 * Only node built-ins are imported statically: `--version` is answered before anything heavy
 * loads (the cold-start bar), and `reflect-metadata` is imported before tsyringe can be.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  if (argv.length === 1 && VERSION_FLAGS.has(argv[0] ?? '')) {
    io.out(`${cliVersion()}\n`);
    return 0;
  }
  await import('reflect-metadata');
  const { runProgram } = await import('./program.js');
  return runProgram(argv, io, cliVersion());
}
