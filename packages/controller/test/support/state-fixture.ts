import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock, silentLogger } from '@iris/core';
import { type WorkerRegisterRequest } from '@iris/core/api';
import { ControllerState } from '../../src/state/controller-state.js';
import { openDatabase } from '../../src/store/database.js';
import { StateStore } from '../../src/store/state-store.js';

/** A ControllerState on a real SQLite file in a fresh temp dir, driven by a FakeClock. */
export class StateFixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'iris-state-'));
  readonly clock = new FakeClock();
  store!: StateStore;
  state!: ControllerState;

  constructor() {
    this.open();
  }

  open(): void {
    this.store = new StateStore(
      openDatabase(join(this.dir, 'controller.db'), () => this.clock.now()),
      {
        maxLogLinesPerAttempt: 100,
        maxActions: 1000,
      },
    );
    this.state = ControllerState.load({
      clock: this.clock,
      store: this.store,
      logger: silentLogger,
      workerTimeoutMs: 60_000,
      maxStartsPerWorkerPerPass: 4,
      maxStartingPerWorker: 8,
    });
  }

  /** Closes the database and loads it again: what a restarted controller sees. */
  reopen(): void {
    this.store.close();
    this.open();
  }

  close(): void {
    this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function workerRequest(id: string, over: Partial<WorkerRegisterRequest> = {}): WorkerRegisterRequest {
  return {
    worker_id: id,
    address: `${id}:10001`,
    resources: { cpu: 4, memory_bytes: 16 * 1024 ** 3, disk_bytes: 100 * 1024 ** 3 },
    accelerators: [],
    attributes: {},
    ...over,
  };
}
