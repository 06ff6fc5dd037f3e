import { IrisError } from '@iris/core';

/** Exit codes of every `iris` command (DESIGN §6). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export const CLI_EXIT_CODE = 'IRIS_CLI_EXIT';
export const USAGE_ERROR_CODE = 'IRIS_USAGE';

/**
 * Thrown by a command that has already printed what went wrong (e.g. the list of config errors)
 * and only needs the process to end with `exitCode`.
 */
export class CliExit extends IrisError {
  readonly exitCode: number;

  constructor(exitCode: number) {
    super(CLI_EXIT_CODE, `exit ${exitCode}`);
    this.name = 'CliExit';
    this.exitCode = exitCode;
  }
}

/** A command line that cannot work as written (exit 2); the message says what to type instead. */
export function usageError(message: string): IrisError {
  return new IrisError(USAGE_ERROR_CODE, message);
}
