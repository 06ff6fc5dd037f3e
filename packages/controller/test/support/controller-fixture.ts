import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IrisClient } from '@iris/core/api';
import { startController, type ControllerHandle, type ControllerLimits } from '../../src/controller.js';

export interface RunningController {
  handle: ControllerHandle;
  client: IrisClient;
  anonymous: IrisClient;
  dir: string;
  close(): Promise<void>;
}

/** A real controller on 127.0.0.1 port 0 in a temp state dir. */
export async function runController(limits: Partial<ControllerLimits> = {}): Promise<RunningController> {
  const dir = mkdtempSync(join(tmpdir(), 'iris-ctl-'));
  const handle = await startController({ stateDir: dir, port: 0, limits: { maxWaitMs: 2_000, ...limits } });
  return {
    handle,
    dir,
    client: new IrisClient({ baseUrl: handle.url, token: handle.token }),
    anonymous: new IrisClient({ baseUrl: handle.url }),
    async close() {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const WORKER = {
  address: '127.0.0.1:1',
  resources: { cpu: 4, memory_bytes: 8 * 1024 ** 3, disk_bytes: 8 * 1024 ** 3 },
  accelerators: [],
  attributes: { zone: 'a' },
};
