import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SystemClock, silentLogger, type Clock, type Logger, type TimerHandle } from '@iris/core';
import { loadOrCreateToken } from './api/auth.js';
import { BundleStore } from './api/bundles.js';
import { ApiServer, type AutoscalerSlot, type ConfigSlot } from './api/server.js';
import { DashboardRoutes } from './dashboard/dashboard-routes.js';
import { LoginCodes } from './dashboard/login-codes.js';
import { loadAssets } from './dashboard/static-assets.js';
import { ControllerState } from './state/controller-state.js';
import { openDatabase } from './store/database.js';
import { StateStore } from './store/state-store.js';

export interface ControllerLimits {
  /** A worker silent this long is dead; its attempts are retried. */
  workerTimeoutMs: number;
  /** Longest a reconcile or log long-poll is held. */
  maxWaitMs: number;
  /** Period of the timeout check and the background scheduling pass. */
  tickMs: number;
  maxStartsPerWorkerPerPass: number;
  maxStartingPerWorker: number;
  maxLogLinesPerAttempt: number;
  maxActions: number;
  maxBodyBytes: number;
  maxBundleBytes: number;
  /** How long a dashboard sign-in link (one-time code) stays usable. */
  loginCodeTtlMs: number;
}

/** Every default of the controller process in one place. */
export const DEFAULT_CONTROLLER_LIMITS: ControllerLimits = {
  workerTimeoutMs: 60_000,
  maxWaitMs: 10_000,
  tickMs: 1_000,
  maxStartsPerWorkerPerPass: 4,
  maxStartingPerWorker: 8,
  maxLogLinesPerAttempt: 10_000,
  maxActions: 10_000,
  maxBodyBytes: 64 * 1024 * 1024,
  maxBundleBytes: 1024 * 1024 * 1024,
  loginCodeTtlMs: 5 * 60_000,
};

export interface StartControllerOptions {
  stateDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  clock?: Clock;
  logger?: Logger;
  limits?: Partial<ControllerLimits>;
}

export interface ControllerHandle {
  url: string;
  /** The API token (also in `state_dir/token`). Never log it. */
  token: string;
  stateDir: string;
  state: ControllerState;
  store: StateStore;
  /** Where the composition root plugs the autoscaler in, for the API to show. */
  autoscaler: AutoscalerSlot;
  /** Where the composition root puts the resolved, secret-masked config for GET /api/v1/config. */
  config: ConfigSlot;
  /** Runs one scheduling pass now (the controller also runs one after every change). */
  schedule(): number;
  stop(): Promise<void>;
}

export const CONTROLLER_INFO_FILE = 'controller.json';
export const DATABASE_FILE = 'controller.db';

/**
 * Opens (or recovers) the state in `stateDir`, serves the API and writes `controller.json`
 * ({url, pid}) once listening.
 */
export async function startController(options: StartControllerOptions): Promise<ControllerHandle> {
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? silentLogger;
  const limits: ControllerLimits = { ...DEFAULT_CONTROLLER_LIMITS, ...options.limits };
  const stateDir = options.stateDir;
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const token = loadOrCreateToken(stateDir);
  const db = openDatabase(join(stateDir, DATABASE_FILE), () => clock.now());
  const store = new StateStore(db, { maxLogLinesPerAttempt: limits.maxLogLinesPerAttempt, maxActions: limits.maxActions });
  const state = ControllerState.load({
    clock,
    store,
    logger,
    workerTimeoutMs: limits.workerTimeoutMs,
    maxStartsPerWorkerPerPass: limits.maxStartsPerWorkerPerPass,
    maxStartingPerWorker: limits.maxStartingPerWorker,
  });
  const autoscaler: AutoscalerSlot = {};
  const config: ConfigSlot = {};
  const loginCodes = new LoginCodes(clock, limits.loginCodeTtlMs);
  const api = new ApiServer({
    autoscaler,
    config,
    loginCodes,
    dashboard: new DashboardRoutes({ assets: loadAssets(), codes: loginCodes, token, logger }),
    state,
    store,
    bundles: new BundleStore(stateDir, store, clock, limits.maxBundleBytes),
    token,
    clock,
    logger,
    maxWaitMs: limits.maxWaitMs,
    workerTimeoutMs: limits.workerTimeoutMs,
    maxBodyBytes: limits.maxBodyBytes,
  });

  // Passes are coalesced: many changes in one turn of the event loop cause one pass right after it.
  let passQueued = false;
  const runPass = (): number => {
    passQueued = false;
    try {
      return state.runSchedulingPass();
    } catch (err) {
      logger.error('scheduling pass failed', { error: (err as Error).message });
      return 0;
    }
  };
  let stopped = false;
  state.listener = {
    workerHasWork: (id) => api.wakeWorker(id),
    schedulingNeeded: () => {
      if (passQueued || stopped) return;
      passQueued = true;
      setImmediate(runPass);
    },
  };
  const tick: TimerHandle = clock.setInterval(() => {
    try {
      state.checkTimeouts();
    } catch (err) {
      logger.error('timeout check failed', { error: (err as Error).message });
    }
    runPass();
  }, limits.tickMs);
  state.listener.schedulingNeeded();

  const server: Server = createServer(api.handle);
  server.keepAliveTimeout = limits.maxWaitMs + 5_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  writeInfoFile(stateDir, { url, pid: process.pid });
  logger.info('controller serving', { url, stateDir, jobs: state.jobs.size, workers: state.workers.size });

  return {
    url,
    token,
    stateDir,
    state,
    store,
    autoscaler,
    config,
    schedule: runPass,
    async stop() {
      if (stopped) return;
      stopped = true;
      tick.cancel();
      api.releaseAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      rmSync(join(stateDir, CONTROLLER_INFO_FILE), { force: true });
      store.close();
    },
  };
}

function writeInfoFile(stateDir: string, info: { url: string; pid: number }): void {
  const file = join(stateDir, CONTROLLER_INFO_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(info)}\n`);
  renameSync(tmp, file);
}
