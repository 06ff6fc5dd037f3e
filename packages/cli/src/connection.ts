import type { Command } from 'commander';
import type { IrisClient } from '@iris/core/api';
import type { CliIo } from './context.js';

/** How every command that talks to a controller finds it: the same four options everywhere. */
export interface ConnectionOptions {
  controller?: string;
  tokenFile?: string;
  stateDir?: string;
  config?: string;
}

/** True when the user named a controller directly (not through a cluster file). */
export function namesController(options: ConnectionOptions, io: CliIo): boolean {
  return options.controller !== undefined || options.stateDir !== undefined || (options.config === undefined && io.env['IRIS_CONTROLLER'] !== undefined);
}

export function withConnection(cmd: Command): Command {
  return cmd
    .option('--controller <url>', 'controller URL (default: $IRIS_CONTROLLER); token from $IRIS_TOKEN or --token-file')
    .option('--token-file <file>', 'file holding the controller token')
    .option('--state-dir <dir>', 'a local controller state dir (reads its controller.json and token)')
    .option('-c, --config <file>', "the cluster file whose controller to use (default: the built-in local cluster's, when running)");
}

/** A client from --controller/--state-dir/$IRIS_CONTROLLER, with the token from where the user said. */
export async function connect(options: ConnectionOptions, io: CliIo): Promise<IrisClient> {
  const { readFileSync } = await import('node:fs');
  const { join, resolve } = await import('node:path');
  const { IrisError, parseTokenText } = await import('@iris/core');
  const { IrisClient } = await import('@iris/core/api');
  const { usageError } = await import('./exit-codes.js');
  const read = (file: string, what: string): string => {
    try {
      return readFileSync(resolve(io.cwd, file), 'utf8').trim();
    } catch (err) {
      throw new IrisError('IRIS_CLI_READ_FAILED', `cannot read ${what} ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  let url = options.controller ?? (options.stateDir ? undefined : io.env['IRIS_CONTROLLER']);
  // Inside a task, the attempt's own token (IRIS_TASK_TOKEN) lets it start child jobs.
  // A token with a space or binary bytes would fail every call as "wrong token": refused here, naming
  // its source and never echoing it (the same check the controller and the worker make).
  const envToken = (['IRIS_TOKEN', 'IRIS_TASK_TOKEN'] as const).find((name) => (io.env[name] ?? '') !== '');
  let token = options.tokenFile
    ? parseTokenText(read(options.tokenFile, 'the token file'), `the token file ${options.tokenFile}`)
    : envToken && parseTokenText(io.env[envToken]!, envToken);
  if (options.stateDir) {
    const info = JSON.parse(read(join(options.stateDir, 'controller.json'), 'the controller info (is the controller running?)')) as { url: string };
    url ??= info.url;
    const tokenFile = join(options.stateDir, 'token');
    token ??= parseTokenText(read(tokenFile, 'the token'), `the token file ${tokenFile}`);
  }
  if (!url) {
    // Then the state of the cluster file (or of the built-in local cluster `iris start` runs).
    const { resolveClusterTarget } = await import('./cluster/cluster-target.js');
    const { clusterClient } = await import('./actions/cluster.js');
    if (options.config) {
      const { client } = await clusterClient(await resolveClusterTarget(options.config, io));
      return token ? new IrisClient({ baseUrl: client.url, token }) : client;
    }
    const { builtinStateDir } = await import('./cluster/builtin-cluster.js');
    const { existsSync } = await import('node:fs');
    const dir = builtinStateDir(io.env);
    if (existsSync(join(dir, 'controller.json'))) {
      const info = JSON.parse(read(join(dir, 'controller.json'), 'the controller info')) as { url: string };
      url = info.url;
      token ??= read(join(dir, 'token'), 'the token');
    }
  }
  if (!url) throw usageError('no controller: pass --controller URL, -c FILE or --state-dir DIR, set IRIS_CONTROLLER, or run iris start');
  return new IrisClient({ baseUrl: url, ...(token ? { token } : {}) });
}
