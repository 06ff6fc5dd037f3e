import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  acquireDirLock,
  IrisError,
  SystemClock,
  silentLogger,
  type Clock,
  type DirLock,
  type Logger,
  type TimerHandle,
  type ControllerConfig,
  type ControllerInputLimits,
} from '@iris/core';
import { DEFAULT_CONFIG } from '@iris/core/config';
import { API_ERROR_CODES } from '@iris/core/api';
import { loadOrCreateToken } from './api/auth.js';
import { BlobStore } from './api/blob-store.js';
import { TaskTokens } from './api/task-tokens.js';
import { ControllerMetrics } from './metrics/controller-metrics.js';
import { OutputStore } from './store/output-store.js';
import { CredentialStore } from './auth/credential-store.js';
import { ApiServer, type AutoscalerSlot, type ConfigSlot } from './api/server.js';
import { sendJson } from './api/http-util.js';
import { DashboardRoutes } from './dashboard/dashboard-routes.js';
import { LoginCodes } from './dashboard/login-codes.js';
import { SessionStore } from './dashboard/sessions.js';
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
  /** Most bytes of output files one attempt keeps (controller.limits.max_output_bytes). */
  maxOutputBytes: number;
  /** Values (members and items) and nesting depth of one JSON body, counted while it streams in. */
  maxJsonEntries: number;
  maxJsonDepth: number;
  /** A job's command (all arguments, and each), and its environment (all NAME=value entries). */
  maxCommandBytes: number;
  maxArgBytes: number;
  maxEnvBytes: number;
  /** How long a dashboard sign-in link (one-time code) stays usable. */
  loginCodeTtlMs: number;
  /** How long a dashboard session (what a sign-in link creates) lasts. */
  sessionTtlMs: number;
}

/** Every default of the controller process in one place. */
/** Every default comes from core's DEFAULT_CONFIG.controller (the cluster file's `controller:`). */
export const DEFAULT_CONTROLLER_LIMITS: ControllerLimits = {
  ...controllerTimeouts(DEFAULT_CONFIG.controller),
  maxWaitMs: DEFAULT_CONFIG.controller.max_wait,
  tickMs: DEFAULT_CONFIG.controller.tick,
  loginCodeTtlMs: DEFAULT_CONFIG.controller.login_code_ttl,
  sessionTtlMs: DEFAULT_CONFIG.controller.session_ttl,
  ...inputLimits(DEFAULT_CONFIG.controller.limits),
};

/** The durations of a cluster file's `controller:` (milliseconds) as ControllerLimits fields; absent ones are left out. */
export function controllerTimeouts(
  c: Pick<ControllerConfig, 'worker_timeout' | 'max_wait' | 'tick' | 'login_code_ttl' | 'session_ttl'>,
): Pick<ControllerLimits, 'workerTimeoutMs'> & Partial<Pick<ControllerLimits, 'maxWaitMs' | 'tickMs' | 'loginCodeTtlMs' | 'sessionTtlMs'>> {
  return {
    workerTimeoutMs: c.worker_timeout,
    ...(c.max_wait === undefined ? {} : { maxWaitMs: c.max_wait }),
    ...(c.tick === undefined ? {} : { tickMs: c.tick }),
    ...(c.login_code_ttl === undefined ? {} : { loginCodeTtlMs: c.login_code_ttl }),
    ...(c.session_ttl === undefined ? {} : { sessionTtlMs: c.session_ttl }),
  };
}

/** The input limits of a cluster file's `controller.limits` as ControllerLimits fields. */
export function inputLimits(
  l: ControllerInputLimits,
): Pick<
  ControllerLimits,
  | 'maxBodyBytes'
  | 'maxBundleBytes'
  | 'maxOutputBytes'
  | 'maxJsonEntries'
  | 'maxJsonDepth'
  | 'maxCommandBytes'
  | 'maxArgBytes'
  | 'maxEnvBytes'
  | 'maxStartsPerWorkerPerPass'
  | 'maxStartingPerWorker'
  | 'maxLogLinesPerAttempt'
  | 'maxActions'
> {
  return {
    maxBodyBytes: l.max_body_bytes,
    maxBundleBytes: l.max_bundle_bytes,
    maxOutputBytes: l.max_output_bytes,
    maxJsonEntries: l.max_json_entries,
    maxJsonDepth: l.max_json_depth,
    maxCommandBytes: l.max_command_bytes,
    maxArgBytes: l.max_arg_bytes,
    maxEnvBytes: l.max_env_bytes,
    maxStartsPerWorkerPerPass: l.max_starts_per_worker_per_pass,
    maxStartingPerWorker: l.max_starting_per_worker,
    maxLogLinesPerAttempt: l.max_log_lines_per_attempt,
    maxActions: l.max_actions,
  };
}

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
  /** Join tokens and worker credentials (hashed in the database). */
  credentials: CredentialStore;
  /** Where the composition root plugs the autoscaler in, for the API to show. */
  autoscaler: AutoscalerSlot;
  /** Where the composition root puts the resolved, secret-masked config for GET /api/v1/config. */
  config: ConfigSlot;
  /** The Prometheus metrics of GET /metrics (the composition root adds slices and provider calls). */
  metrics: ControllerMetrics;
  /** Runs one scheduling pass now (the controller also runs one after every change). */
  schedule(): number;
  stop(): Promise<void>;
}

export const CONTROLLER_INFO_FILE = 'controller.json';
export const DATABASE_FILE = 'controller.db';
/** Held for the controller's life: one controller per state dir. */
export const CONTROLLER_LOCK_FILE = 'controller.lock';
export const CONTROLLER_BIND_FAILED = 'IRIS_CONTROLLER_BIND_FAILED';

/**
 * Opens (or recovers) the state in `stateDir`, serves the API and writes `controller.json`
 * ({url, pid}) once listening.
 */
export async function startController(options: StartControllerOptions): Promise<ControllerHandle> {
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? silentLogger;
  const limits: ControllerLimits = { ...DEFAULT_CONTROLLER_LIMITS, ...options.limits };
  const stateDir = options.stateDir;
  // Lock, then bind, then open the state: a controller that cannot own the folder and the port
  // writes nothing to the database and starts no timer (it would declare a live one's workers dead).
  prepareStateDir(stateDir);
  const lock = acquireDirLock({
    dir: stateDir,
    name: CONTROLLER_LOCK_FILE,
    what: 'controller',
    hint: 'Stop it first (iris stop, or kill that pid), or give this controller another --state-dir.',
    nowMs: clock.now(),
  });
  let server: Server | undefined;
  let store: StateStore | undefined;
  try {
    let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) =>
      sendJson(res, 503, { code: API_ERROR_CODES.unavailable, message: 'the controller is starting; retry in a moment' });
    server = createServer((req, res) => handler(req, res));
    const bound = server;
    await new Promise<void>((resolve, reject) => {
      bound.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new IrisError(
            CONTROLLER_BIND_FAILED,
            `cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 0}: ${err.code === 'EADDRINUSE' ? 'the address is in use (another controller?); pick another --port' : err.message}`,
            { cause: err },
          ),
        ),
      );
      bound.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const address = bound.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    lock.update({ address: url });

    const token = loadOrCreateToken(stateDir);
    const databaseFile = join(stateDir, DATABASE_FILE);
    const db = openDatabase(databaseFile, () => clock.now());
    store = new StateStore(db, { maxLogLinesPerAttempt: limits.maxLogLinesPerAttempt, maxActions: limits.maxActions });
    restrictMode(databaseFile);
    const state = ControllerState.load({
      clock,
      store,
      logger,
      databaseFile,
      workerTimeoutMs: limits.workerTimeoutMs,
      input: { maxCommandBytes: limits.maxCommandBytes, maxArgBytes: limits.maxArgBytes, maxEnvBytes: limits.maxEnvBytes },
      maxStartsPerWorkerPerPass: limits.maxStartsPerWorkerPerPass,
      maxStartingPerWorker: limits.maxStartingPerWorker,
    });
    const running = startServing({ options, limits, clock, logger, stateDir, token, state, store, server: bound, url, lock });
    handler = running.handler;
    return running.handle;
  } catch (err) {
    server?.close();
    server?.closeAllConnections();
    try {
      store?.close();
    } catch {
      // Closing after a failed open is best effort; the first error is the one to report.
    }
    lock.release();
    throw err;
  }
}

interface ServingParts {
  options: StartControllerOptions;
  limits: ControllerLimits;
  clock: Clock;
  logger: Logger;
  stateDir: string;
  token: string;
  state: ControllerState;
  store: StateStore;
  server: Server;
  url: string;
  lock: DirLock;
}

function startServing(p: ServingParts): { handle: ControllerHandle; handler: (req: IncomingMessage, res: ServerResponse) => void } {
  const { limits, clock, logger, stateDir, token, state, store, server, url, lock } = p;
  const credentials = new CredentialStore(store.db, clock);
  const autoscaler: AutoscalerSlot = {};
  const config: ConfigSlot = {};
  const loginCodes = new LoginCodes(clock, limits.loginCodeTtlMs);
  const sessions = new SessionStore(store.db, clock, limits.sessionTtlMs);
  const metrics = new ControllerMetrics(state);
  const api = new ApiServer({
    autoscaler,
    config,
    loginCodes,
    sessions,
    dashboard: new DashboardRoutes({ assets: loadAssets(), codes: loginCodes, sessions, sessionTtlMs: limits.sessionTtlMs, logger }),
    state,
    store,
    bundles: new BlobStore(stateDir, { folder: 'bundles', noun: 'bundle' }, limits.maxBundleBytes, {
      has: (sha) => store.hasBundle(sha),
      record: (sha, size) => store.recordBundle(sha, size, clock.now()),
    }),
    outputs: new BlobStore(stateDir, { folder: 'outputs', noun: 'output' }, limits.maxOutputBytes, { has: () => true, record: () => undefined }),
    outputIndex: new OutputStore(store.db),
    taskTokens: new TaskTokens(token),
    metrics,
    maxOutputBytes: limits.maxOutputBytes,
    validateResponses: process.env['IRIS_VALIDATE_RESPONSES'] === '1',
    token,
    credentials,
    clock,
    logger,
    maxWaitMs: limits.maxWaitMs,
    workerTimeoutMs: limits.workerTimeoutMs,
    maxBodyBytes: limits.maxBodyBytes,
    jsonLimits: { maxBytes: limits.maxBodyBytes, maxEntries: limits.maxJsonEntries, maxDepth: limits.maxJsonDepth },
  });

  // Passes are coalesced: many changes in one turn of the event loop cause one pass right after it.
  // A pass walks every pending task, so back-to-back passes are spaced by twice the last one's
  // duration (at most a second): under a stream of submissions the loop stays free for requests
  // (/health, the submissions themselves) instead of rescheduling the whole queue for each job.
  let passQueued = false;
  let lastPassEnd = 0;
  let lastPassMs = 0;
  const runPass = (): number => {
    passQueued = false;
    if (stopped) return 0;
    const started = performance.now();
    try {
      return state.runSchedulingPass();
    } catch (err) {
      logger.error('scheduling pass failed', { error: (err as Error).message });
      return 0;
    } finally {
      lastPassEnd = performance.now();
      lastPassMs = lastPassEnd - started;
      metrics.observeSchedulingPass(lastPassMs / 1000);
    }
  };
  let stopped = false;
  state.listener = {
    workerHasWork: (id) => api.wakeWorker(id),
    schedulingNeeded: () => {
      if (passQueued || stopped) return;
      passQueued = true;
      const wait = lastPassEnd + Math.min(1_000, 2 * lastPassMs) - performance.now();
      if (wait <= 1) setImmediate(runPass);
      else setTimeout(runPass, wait).unref();
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

  server.keepAliveTimeout = limits.maxWaitMs + 5_000;
  server.requestTimeout = 0;
  writeInfoFile(stateDir, { url, pid: process.pid });
  logger.info('controller serving', { url, stateDir, jobs: state.jobs.size, workers: state.workers.size });

  const handle: ControllerHandle = {
    url,
    token,
    stateDir,
    state,
    store,
    credentials,
    autoscaler,
    config,
    metrics,
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
      // Only our own info file: a controller that took the folder over after us keeps its own.
      if (readInfoPid(stateDir) === process.pid) rmSync(join(stateDir, CONTROLLER_INFO_FILE), { force: true });
      store.close();
      lock.release();
    },
  };
  return { handle, handler: api.handle };
}

/** The state dir, 0700 (it holds the token and the jobs' env), made when missing. */
function prepareStateDir(stateDir: string): void {
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    chmodSync(stateDir, 0o700);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EROFS' ? 'the file system is read-only' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new IrisError('IRIS_STATE_DIR_UNUSABLE', `cannot use the state dir ${stateDir}: ${why}; choose a writable folder`, { cause: err });
  }
}

function restrictMode(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      chmodSync(f, 0o600);
    } catch {
      // -wal/-shm exist only while the database is open in WAL mode.
    }
  }
}

function readInfoPid(stateDir: string): number | undefined {
  try {
    return (JSON.parse(readFileSync(join(stateDir, CONTROLLER_INFO_FILE), 'utf8')) as { pid?: number }).pid;
  } catch {
    return undefined;
  }
}

function writeInfoFile(stateDir: string, info: { url: string; pid: number }): void {
  const file = join(stateDir, CONTROLLER_INFO_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(info)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
