import { inspect } from 'node:util';
import { hasErrorCode } from '@iris/core';
import { CONFIG_ERROR_CODE, formatConfigIssue } from '@iris/core/config';
import type { ConfigIssue } from '@iris/core';
import type { CliIo } from './context.js';

/** The worker's own usage errors (its flags parsed in @iris/worker) are bad usage too. */
const WORKER_USAGE_CODE = 'IRIS_WORKER_USAGE';
import { CLI_EXIT_CODE, EXIT_FAILURE, EXIT_USAGE, USAGE_ERROR_CODE } from './exit-codes.js';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function causeChain(err: unknown): string[] {
  const lines: string[] = [];
  let cause = err instanceof Error ? err.cause : undefined;
  // Bounded: a cause cycle must not hang the error path.
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    lines.push(`  caused by: ${messageOf(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return lines;
}

function configIssues(err: unknown): readonly ConfigIssue[] | undefined {
  if (!hasErrorCode(err, CONFIG_ERROR_CODE)) return undefined;
  const issues = (err as { issues?: unknown }).issues;
  return Array.isArray(issues) ? (issues as ConfigIssue[]) : undefined;
}

/**
 * Prints an error the way a user should see it (what, where, what to do) and returns the exit
 * code. Errors are recognised by `code`, never `instanceof`. The stack trace is only shown with
 * IRIS_DEBUG=1: it helps whoever debugs Iris, not whoever fixes a cluster file.
 */
export function reportError(err: unknown, io: CliIo): number {
  if (hasErrorCode(err, CLI_EXIT_CODE)) return (err as { exitCode: number }).exitCode;
  const debug = io.env['IRIS_DEBUG'] === '1';
  const issues = configIssues(err);
  if (issues) {
    for (const issue of issues) io.err(`${formatConfigIssue(issue)}\n`);
    if (issues.length === 0) io.err(`iris: ${messageOf(err)}\n`);
  } else {
    const known = typeof (err as { code?: unknown } | null)?.code === 'string';
    const prefix = known ? 'iris: ' : 'iris: unexpected error: ';
    io.err([`${prefix}${messageOf(err)}`, ...causeChain(err)].join('\n') + '\n');
    if (!known && !debug) io.err('Set IRIS_DEBUG=1 to see the stack trace, and report it if it looks like a bug in Iris.\n');
  }
  if (debug) io.err(`${inspect(err, { depth: 6 })}\n`);
  return issues || hasErrorCode(err, USAGE_ERROR_CODE) || hasErrorCode(err, WORKER_USAGE_CODE) ? EXIT_USAGE : EXIT_FAILURE;
}
