import type { Command } from 'commander';
import type { CliIo } from '../context.js';

/**
 * One command group of `iris` (one file under commands/). `register` only declares the commands;
 * their actions `await import()` whatever heavy code they need, so `iris --help` and the other
 * commands do not pay for it.
 */
export interface CliCommandGroup {
  readonly name: string;
  register(program: Command, io: CliIo): void;
}
