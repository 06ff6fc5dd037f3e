import { IrisError } from '@iris/core';
import { API_ERROR_CODES, type JobSubmitRequest } from '@iris/core/api';

/** Sizes a job's command and environment are held to (DEFAULT_CONFIG.controller.limits). */
export interface JobInputLimits {
  maxCommandBytes: number;
  maxArgBytes: number;
  maxEnvBytes: number;
}

function refuse(message: string): never {
  throw new IrisError(API_ERROR_CODES.invalidRequest, message);
}

/**
 * What the schema cannot say about a submission, refused before anything is stored: names with
 * `.`/`..` segments (they would climb out of any folder a name maps to), NUL bytes and `=` where
 * exec refuses them (the task would fail only at spawn), and sizes Linux refuses at exec (E2BIG).
 */
export function checkJobInput(req: JobSubmitRequest, limits: JobInputLimits): void {
  checkJobName(req.name, 'name');
  if (req.parent !== undefined) checkJobName(req.parent, 'parent');
  let commandBytes = 0;
  req.command.forEach((arg, i) => {
    if (arg.includes('\u0000')) refuse(`command[${i}] contains a NUL byte, which no program can receive as an argument`);
    const bytes = Buffer.byteLength(arg) + 1;
    if (bytes > limits.maxArgBytes) refuse(`command[${i}] is ${bytes - 1} bytes; one argument may have at most ${limits.maxArgBytes}`);
    commandBytes += bytes;
  });
  if (commandBytes > limits.maxCommandBytes) refuse(`the command is ${commandBytes} bytes; at most ${limits.maxCommandBytes} are accepted`);
  let envBytes = 0;
  for (const [key, value] of Object.entries(req.env ?? {})) {
    const shown = JSON.stringify(key.slice(0, 64));
    if (key === '') refuse('env has an empty variable name');
    if (key.includes('=')) refuse(`env name ${shown} contains "=", which cannot appear in a variable name`);
    if (key.includes('\u0000')) refuse(`env name ${shown} contains a NUL byte`);
    if (value.includes('\u0000')) refuse(`env ${shown} has a NUL byte in its value`);
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(value) + 2;
    if (bytes > limits.maxArgBytes) refuse(`env ${shown} is ${bytes - 1} bytes; one NAME=value may have at most ${limits.maxArgBytes}`);
    envBytes += bytes;
  }
  if (envBytes > limits.maxEnvBytes) refuse(`the environment is ${envBytes} bytes; at most ${limits.maxEnvBytes} are accepted`);
}

function checkJobName(name: string, field: string): void {
  for (const segment of name.split('/').slice(1)) {
    if (segment === '.' || segment === '..')
      refuse(`${field} "${name.slice(0, 200)}" has a "${segment}" segment; job names are /-separated words without . or .. segments`);
  }
}
