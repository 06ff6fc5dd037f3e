import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { IrisError, parseSize, parseTokenText } from '@iris/core';
import type { StartWorkerOptions } from './start-worker.js';

export const WORKER_USAGE_ERROR = 'IRIS_WORKER_USAGE';

export const WORKER_USAGE = `usage: iris-worker --controller URL [--attribute k=v]... [--token-file F] [--work-dir D]
                   [--worker-id ID] [--runtime process|docker] [--docker-image IMAGE]
                   [--cpu N] [--memory SIZE]
The credential is read from the file --token-file names, else IRIS_JOIN_TOKEN holds a slice's
join token (traded at registration for the worker's own credential),
else IRIS_TOKEN holds the token itself (not a path).
Exit 3: the controller refused the credential (spent, expired or foreign join token; revoked).`;

/** Turns the worker's command line (and IRIS_TOKEN) into StartWorkerOptions. */
export function parseWorkerArgs(argv: string[], env: Readonly<Record<string, string | undefined>>): StartWorkerOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        controller: { type: 'string' },
        attribute: { type: 'string', multiple: true },
        'token-file': { type: 'string' },
        'work-dir': { type: 'string' },
        'worker-id': { type: 'string' },
        runtime: { type: 'string' },
        'docker-image': { type: 'string' },
        cpu: { type: 'string' },
        memory: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new IrisError(WORKER_USAGE_ERROR, `${(err as Error).message}\n${WORKER_USAGE}`, { cause: err });
  }
  const controllerUrl = values.controller ?? env['IRIS_CONTROLLER'];
  if (!controllerUrl) throw new IrisError(WORKER_USAGE_ERROR, `--controller URL is required (or set IRIS_CONTROLLER)\n${WORKER_USAGE}`);
  const runtime = values.runtime ?? 'process';
  if (runtime !== 'process' && runtime !== 'docker') {
    throw new IrisError(WORKER_USAGE_ERROR, `--runtime must be "process" or "docker", not "${runtime}"`);
  }
  const options: StartWorkerOptions = { controllerUrl, runtime, attributes: values.attribute ?? [] };
  const token = readWorkerToken(values['token-file'], env);
  if (token !== undefined) options.token = token;
  if (values['work-dir']) options.workDir = values['work-dir'];
  if (values['worker-id']) options.workerId = values['worker-id'];
  if (values['docker-image']) options.dockerImage = values['docker-image'];
  const resources = parseResourceFlags(values.cpu, values.memory);
  if (resources) options.resources = resources;
  return options;
}

/** `--cpu N --memory SIZE`: what the worker offers when it shares the machine with others. */
export function parseResourceFlags(cpu: string | undefined, memory: string | undefined): StartWorkerOptions['resources'] {
  if (cpu === undefined && memory === undefined) return undefined;
  const out: NonNullable<StartWorkerOptions['resources']> = {};
  if (cpu !== undefined) {
    const n = Number(cpu);
    if (!Number.isFinite(n) || n <= 0) throw new IrisError(WORKER_USAGE_ERROR, `--cpu must be a positive number, not "${cpu}"`);
    out.cpu = n;
  }
  if (memory !== undefined) {
    try {
      out.memoryBytes = parseSize(/^\d+$/.test(memory) ? Number(memory) : memory);
    } catch (err) {
      throw new IrisError(WORKER_USAGE_ERROR, `--memory must be a size such as 8GB or a number of bytes, not "${memory}"`, { cause: err });
    }
  }
  return out;
}

/**
 * The credential from `--token-file` (trimmed), else IRIS_JOIN_TOKEN, else IRIS_TOKEN. The join
 * token wins over IRIS_TOKEN: a VM started by a provider must join with its slice's token even when
 * it inherited an operator's environment. The error names the file, never its content.
 */
export function readWorkerToken(file: string | undefined, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (file === undefined) {
    // The join token wins: a VM a provider started joins with its slice's token even when it
    // inherited an operator's environment.
    const name = env['IRIS_JOIN_TOKEN'] ? 'IRIS_JOIN_TOKEN' : 'IRIS_TOKEN';
    const fromEnv = env[name];
    if (!fromEnv) return undefined;
    try {
      return parseTokenText(fromEnv, name);
    } catch (err) {
      throw new IrisError(WORKER_USAGE_ERROR, (err as Error).message, { cause: err });
    }
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    // The message names the file, never its content.
    throw new IrisError(WORKER_USAGE_ERROR, `cannot read the token from --token-file ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return parseTokenText(text, `the token file ${file}`);
  } catch (err) {
    throw new IrisError(WORKER_USAGE_ERROR, `cannot use --token-file ${file}: ${(err as Error).message}`, { cause: err });
  }
}
