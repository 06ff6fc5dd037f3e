import { SystemClock } from '@iris/core';
import { startController, type ControllerHandle, type ControllerLimits } from './controller.js';
import { jsonLogger } from './logger.js';

export interface ServeOptions {
  stateDir: string;
  host?: string;
  port?: number;
  limits?: Partial<ControllerLimits>;
}

/**
 * The controller daemon: serves until SIGTERM or SIGINT, then closes cleanly. Prints one JSON line
 * `{"url": ...}` on stdout once listening (the token stays in the state dir).
 */
export async function serve(options: ServeOptions): Promise<ControllerHandle> {
  const clock = new SystemClock();
  const handle = await startController({ ...options, clock, logger: jsonLogger(process.stderr, () => clock.now()) });
  process.stdout.write(`${JSON.stringify({ url: handle.url, pid: process.pid, state_dir: handle.stateDir })}\n`);
  const shutdown = (): void => {
    void handle.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return handle;
}
