import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import type { CliCommandGroup } from './types.js';
import { flag } from '../flags.js';
import { LOG_FORMATS, type LogFormat } from '@iris/core';

interface WorkerCommandOptions {
  controller?: string;
  attribute: string[];
  tokenFile?: string;
  workDir?: string;
  workerId?: string;
  runtime: string;
  dockerImage?: string;
  cpu?: string;
  memory?: string;
  logFormat: LogFormat;
}

function register(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description('attach this machine to a cluster as a worker (runs until SIGTERM/SIGINT)')
    .option('--controller <url>', 'the controller URL (default: $IRIS_CONTROLLER)')
    .option('--attribute <k=v>', 'a worker attribute for constraints and gangs (repeatable)', flag.keyValue, [] as string[])
    .option(
      '--token-file <file>',
      'file holding the credential; without it, the token itself is read from IRIS_JOIN_TOKEN (a join token), else from IRIS_TOKEN; exit 3 when the controller refuses it',
    )
    .option('--work-dir <dir>', 'bundles, scratch dirs and the saved worker id (default: ~/.iris/worker)')
    .option('--worker-id <id>', 'the worker id (default: $IRIS_VM_ADDRESS, else one saved in the work dir)')
    .option('--runtime <runtime>', 'process or docker', 'process')
    .option('--docker-image <image>', 'task image for the docker runtime', 'iris-task:latest')
    .option('--cpu <n>', 'CPUs this worker offers (default: all of the machine)', flag.positive)
    .option('--memory <size>', 'memory this worker offers, e.g. 8GB (default: all of the machine)', flag.size)
    .option('--log-format <format>', 'log lines on stderr as json (for machines) or text (for people)', flag.oneOf(LOG_FORMATS), 'json' as LogFormat)
    .action(async (options: WorkerCommandOptions) => {
      const { IrisError } = await import('@iris/core');
      const { startWorker, readWorkerToken, parseResourceFlags } = await import('@iris/worker');
      const { USAGE_ERROR_CODE } = await import('../exit-codes.js');
      const controllerUrl = options.controller ?? io.env['IRIS_CONTROLLER'];
      if (!controllerUrl) throw new IrisError(USAGE_ERROR_CODE, 'iris worker needs --controller URL (or IRIS_CONTROLLER)');
      if (options.runtime !== 'process' && options.runtime !== 'docker') {
        throw new IrisError(USAGE_ERROR_CODE, `--runtime must be "process" or "docker", not "${options.runtime}"`);
      }
      const token = readWorkerToken(options.tokenFile, io.env);
      const resources = parseResourceFlags(
        options.cpu === undefined ? undefined : String(options.cpu),
        options.memory === undefined ? undefined : String(options.memory),
      );
      const handle = await startWorker({
        controllerUrl,
        attributes: options.attribute,
        runtime: options.runtime,
        logFormat: options.logFormat,
        env: io.env,
        ...(token === undefined ? {} : { token }),
        ...(options.workDir === undefined ? {} : { workDir: options.workDir }),
        ...(options.workerId === undefined ? {} : { workerId: options.workerId }),
        ...(options.dockerImage === undefined ? {} : { dockerImage: options.dockerImage }),
        ...(resources === undefined ? {} : { resources }),
      });
      io.err(`iris worker ${handle.workerId} attached to ${controllerUrl}\n`);
      const signalled = new Promise<undefined>((resolve) => {
        process.once('SIGTERM', () => resolve(undefined));
        process.once('SIGINT', () => resolve(undefined));
      });
      const refused = await Promise.race([signalled, handle.refusal]);
      if (refused !== undefined) {
        const { CliExit } = await import('../exit-codes.js');
        const { WORKER_JOIN_REFUSED_EXIT_CODE } = await import('@iris/core');
        io.err(`iris worker: the controller refused this worker: ${refused}\n`);
        throw new CliExit(WORKER_JOIN_REFUSED_EXIT_CODE);
      }
      await handle.stop();
    });
}

export const workerCommand: CliCommandGroup = { name: 'worker', register };
