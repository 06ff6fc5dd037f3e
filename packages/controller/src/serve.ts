import { SystemClock, type ClusterConfig, type LogFormat } from '@iris/core';
import { type ProviderRegistry } from '@iris/core/config';
import { startClusterController } from './cluster/start-cluster-controller.js';
import { startController, type ControllerHandle, type ControllerLimits } from './controller.js';
import { jsonLogger } from './logger.js';

export interface ServeOptions {
  stateDir: string;
  host?: string;
  port?: number;
  limits?: Partial<ControllerLimits>;
  /** How log lines are written on stderr (default json). */
  logFormat?: LogFormat;
  /** A cluster file's config: the controller then runs its platforms and autoscaler too. */
  cluster?: { config: ClusterConfig; registry: ProviderRegistry; clusterFile: string; irisCommand: readonly string[]; advertiseUrl?: string };
}

/**
 * The controller daemon: serves until SIGTERM or SIGINT, then closes cleanly. Prints one JSON line
 * `{"url": ...}` on stdout once listening (the token stays in the state dir).
 */
export async function serve(options: ServeOptions): Promise<ControllerHandle> {
  const clock = new SystemClock();
  const logger = jsonLogger(process.stderr, () => clock.now(), options.logFormat ?? 'json');
  const { cluster, logFormat: _format, ...base } = options;
  const handle = cluster ? await startClusterController({ ...base, clock, logger, ...cluster }) : await startController({ ...base, clock, logger });
  process.stdout.write(`${JSON.stringify({ url: handle.url, pid: process.pid, state_dir: handle.stateDir })}\n`);
  const shutdown = (): void => {
    void handle.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return handle;
}
