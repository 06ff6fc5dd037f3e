import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hasErrorCode, type Clock, type Logger, type TimerHandle } from '@iris/core';
import {
  API_ERROR_CODES,
  type AttemptKill,
  type AttemptReport,
  type AttemptStart,
  type IrisClient,
  type ReconcileResponse,
  type WorkerRegisterRequest,
  routePath,
  routes,
} from '@iris/core/api';
import { copyBundleTree } from '../bundle/attempt-copy.js';
import type { BundleCache } from '../bundle/bundle-cache.js';
import type { AttemptEnds } from './attempt-ends.js';
import type { WorkerFacts } from '../probe/env-probe.js';
import type { AttemptEndReport, TaskRuntime } from '../runtime/types.js';
import { Backoff } from './backoff.js';
import { LocalAttempt, attemptKey } from './local-attempt.js';
import { LogPusher } from './log-pusher.js';
import { listOutputFiles, uploadOutputs, type OutputApi } from '../outputs/upload-outputs.js';

/** The calls of the controller API the daemon uses (an IrisClient in production). */
export type WorkerApi = Pick<IrisClient, 'registerWorker' | 'reconcile' | 'pushLogs' | 'downloadBundle'> & OutputApi;

export interface WorkerDaemonOptions {
  api: WorkerApi;
  clock: Clock;
  logger: Logger;
  workerId: string;
  /** Exported to tasks as IRIS_CONTROLLER. */
  controllerUrl: string;
  facts: WorkerFacts;
  runtime: TaskRuntime;
  bundles: BundleCache;
  /** Parent of the per-attempt dirs: a fresh copy of the bundle, or an empty dir without one. */
  scratchDir: string;
  /** Durable attempt ends (written by the task's supervisor); absent: ends live in memory only. */
  ends?: AttemptEnds;
  /** Copies a cached bundle tree into an attempt's own dir. */
  copyBundle?: (source: string, target: string) => Promise<void>;
  backoff: Backoff;
  logs: { flushMs: number; maxBatch: number; maxBuffered: number };
  /**
   * Supervisors report a successful end straight to the controller, with the worker's own
   * credential, when the worker does not in time (needs `ends`): a task that completed on a worker
   * that then froze or died is not run a second time. Absent: only the worker reports.
   */
  endReports?: { credential(): string | undefined };
}

/**
 * Without a successful reconcile for this fraction of the controller's worker timeout, the worker
 * kills its attempts: the controller is about to (or did) declare it dead and retry them elsewhere,
 * and two copies of one task must never run at once. It is counted from when the last answered reconcile was
 * sent (the latest moment the worker knows the controller saw it). A healthy worker is never
 * silent longer than two long polls (the answered one, then the one in flight), each held up to
 * POLL_FRACTION: 2 × 1/4 = 1/2 of the timeout, so a quarter of it is left for slow answers before
 * the fence, and another quarter for the SIGKILL before the controller may run the attempts
 * elsewhere. (The fence once sat at 1/2 with polls of 1/3: every attempt longer than about half the
 * timeout was killed on an idle cluster — with `iris start`'s 10 s, every task over ~5 s.)
 */
export const FENCE_FRACTION = 0.75;
/** Longest a reconcile is held, as a fraction of the worker timeout (see FENCE_FRACTION). */
const POLL_FRACTION = 0.25;

/** How often the fence is checked, at most (a tenth of the worker timeout when that is shorter). */
const FENCE_CHECK_MS = 1_000;
/**
 * Attempts' leases, as a fraction of the worker timeout: they cover a worker that hangs or freezes
 * (one that is alive kills its attempts itself at the fence). A hung worker last renewed at most one
 * long poll after the controller last saw it, so its attempts die before the worker timeout
 * (POLL_FRACTION + 0.4 < 1). The floor keeps a loaded machine's event-loop lag from killing
 * healthy attempts when the timeout is tiny (tests).
 */
const LEASE_FRACTION = 0.4;
const MIN_LEASE_MS = 2_000;

/**
 * How long the worker has to report an end itself before the attempt's supervisor does, as a
 * fraction of the worker timeout (so it lands well before the controller gives up on the worker),
 * and the floor (a loaded machine's worker is slow, not gone). The supervisor tries for at most
 * END_REPORT_GIVE_UP worker timeouts.
 */
const END_REPORT_GRACE_FRACTION = 0.25;
const MIN_END_REPORT_GRACE_MS = 2_000;
const END_REPORT_GIVE_UP = 2;

/** How long a stopping worker tries to deliver its last logs and attempt states. */
const FINAL_REPORT_TIMEOUT_MS = 5_000;

export type WorkerStatus = 'starting' | 'registered' | 'disconnected' | 'stopped';

/**
 * The worker's control loop: register, then long-poll reconcile, carrying every held attempt's
 * state and receiving attempts to start and kill. See PROTOCOL-NOTES.md for the contract.
 */
export class WorkerDaemon {
  private readonly attempts = new Map<string, LocalAttempt>();
  /** Ends a previous life of this worker recorded but never reported. */
  private readonly recovered = new Map<string, AttemptReport>();
  private fenceTimer: TimerHandle | undefined;
  /** Attempts acknowledged as finished; a late duplicate start for one of them is ignored. */
  private readonly finished = new Set<string>();
  private readonly pusher: LogPusher;
  private readonly stopController = new AbortController();
  private registered = false;
  private status_: WorkerStatus = 'starting';
  private lastContactMs: number;
  private workerTimeoutMs = 60_000;
  private reconcileWaitMs = 30_000;
  private loop: Promise<void> | undefined;
  private fastReport: Promise<void> | undefined;
  private fastReportAgain = false;
  private registrations = 0;
  private reconciledSinceRegister = false;

  constructor(private readonly o: WorkerDaemonOptions) {
    this.lastContactMs = o.clock.now();
    for (const { report } of o.ends?.recover() ?? []) this.recovered.set(attemptKey(report.task_id, report.attempt), report);
    this.pusher = new LogPusher({
      clock: o.clock,
      logger: o.logger,
      push: async (lines) => void (await o.api.pushLogs(o.workerId, lines)),
      flushMs: o.logs.flushMs,
      maxBatch: o.logs.maxBatch,
      maxBuffered: o.logs.maxBuffered,
      retryMs: 1_000,
    });
  }

  get status(): WorkerStatus {
    return this.status_;
  }

  /** How many times the worker has registered (1 + re-registrations after a controller forgot it). */
  get registrationCount(): number {
    return this.registrations;
  }

  /** Attempts held right now (running, or finished and not yet acknowledged). */
  heldAttempts(): AttemptReport[] {
    return [...this.recovered.values(), ...[...this.attempts.values()].map((a) => a.report())];
  }

  start(): void {
    this.loop ??= this.run();
    this.scheduleFence();
  }

  /** Checks the fence on a timer: a long poll that hangs must not keep attempts alive either. */
  private scheduleFence(): void {
    if (this.fenceTimer || this.status_ === 'stopped') return;
    const every = Math.max(50, Math.min(FENCE_CHECK_MS, Math.floor(this.workerTimeoutMs / 10)));
    this.fenceTimer = this.o.clock.setTimeout(() => {
      this.fenceTimer = undefined;
      if (this.status_ === 'stopped') return;
      if (!this.fenceIfCutOff()) this.o.runtime.renewLeases?.();
      this.scheduleFence();
    }, every);
  }

  /** Stops polling; with `killAttempts`, kills every attempt and reports the ends once. */
  async stop(options: { killAttempts?: boolean } = {}): Promise<void> {
    if (this.status_ === 'stopped') return;
    this.status_ = 'stopped';
    this.fenceTimer?.cancel();
    this.fenceTimer = undefined;
    this.stopController.abort(new Error('worker stopping'));
    await this.loop?.catch(() => undefined);
    if (options.killAttempts !== false) {
      await Promise.all([...this.attempts.values()].map((a) => this.killAttempt(a, 'worker shutting down', 'WORKER_FAILED')));
      // Best effort, bounded: an unreachable controller must not keep the worker from exiting.
      const giveUp = new AbortController();
      const timer = this.o.clock.setTimeout(() => giveUp.abort(new Error('final report timed out')), FINAL_REPORT_TIMEOUT_MS);
      const finalReport = (async () => {
        await this.pusher.flush().catch(() => undefined);
        if (this.registered) await this.reconcileOnce(0, giveUp.signal).catch(() => undefined);
      })();
      await Promise.race([finalReport, new Promise((resolve) => giveUp.signal.addEventListener('abort', resolve, { once: true }))]);
      timer.cancel();
    }
    this.pusher.stop();
  }

  private async run(): Promise<void> {
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      try {
        if (!this.registered) await this.register();
        // Never two unanswered reports at once: the controller reads a report missing an attempt
        // as "lost on the worker", so an older snapshot applied after a newer one would fail it.
        while (this.fastReport) await this.fastReport;
        await this.reconcileOnce(this.pollWaitMs(), signal);
        this.o.backoff.reset();
      } catch (err) {
        if (signal.aborted) return;
        if (this.registered && hasErrorCode(err, API_ERROR_CODES.notFound)) {
          // The controller does not know us (it restarted without us, or declared us dead).
          this.o.logger.warn('controller does not know this worker; registering again', { workerId: this.o.workerId });
          this.registered = false;
          // Forgotten right after registering means something else is wrong: do not spin.
          if (this.reconciledSinceRegister) continue;
        }
        this.status_ = 'disconnected';
        this.fenceIfCutOff();
        const delay = this.o.backoff.next();
        this.o.logger.warn('cannot reach the controller; retrying', { delayMs: delay, code: (err as { code?: unknown }).code, error: (err as Error).message });
        await this.o.clock.sleep(delay, signal).catch(() => undefined);
      }
    }
  }

  private pollWaitMs(): number {
    // Come back well within the worker timeout: the reconcile is also the heartbeat, and two of
    // them in a row must fit before the fence (see FENCE_FRACTION).
    return Math.max(0, Math.min(this.reconcileWaitMs, Math.floor(this.workerTimeoutMs * POLL_FRACTION)));
  }

  private async register(): Promise<void> {
    const f = this.o.facts;
    const request: WorkerRegisterRequest = {
      worker_id: this.o.workerId,
      address: f.address,
      resources: { cpu: f.cpu, memory_bytes: f.memoryBytes, disk_bytes: f.diskFreeBytes },
      accelerators: f.accelerator.type === 'cpu' ? [] : [{ type: f.accelerator.type, variant: f.accelerator.variant, count: f.accelerator.count }],
      attributes: { ...f.attributes },
      attempts: this.heldAttempts(),
    };
    const sentAt = this.o.clock.now();
    const res = await this.o.api.registerWorker(request);
    this.workerTimeoutMs = res.worker_timeout_ms;
    this.reconcileWaitMs = res.reconcile_wait_ms;
    this.registered = true;
    this.registrations++;
    this.reconciledSinceRegister = false;
    this.lastContactMs = sentAt;
    this.acknowledge(request.attempts ?? []);
    this.status_ = 'registered';
    this.o.logger.info('registered with the controller', { workerId: this.o.workerId, controller: this.o.controllerUrl });
  }

  /** One reconcile call: report, then apply the answer; acknowledges the terminal reports it carried. */
  private async reconcileOnce(waitMs: number, signal?: AbortSignal): Promise<void> {
    const reports = this.heldAttempts();
    if (reports.some((r) => isTerminal(r.state))) {
      // The controller should hold a task's logs before it learns the task ended.
      await this.pusher.flush().catch(() => undefined);
    }
    // Contact counts from when the call was sent: the controller saw us no earlier than that, so
    // the fence below never fires later than the controller's own clock allows.
    const sentAt = this.o.clock.now();
    const res = await this.o.api.reconcile(this.o.workerId, { attempts: reports, wait_ms: waitMs }, signal);
    this.lastContactMs = Math.max(this.lastContactMs, sentAt);
    this.reconciledSinceRegister = true;
    if (this.status_ !== 'stopped') this.status_ = 'registered';
    this.acknowledge(reports);
    this.apply(res);
  }

  /** The controller has these reports: forget the finished attempts and their durable ends. */
  private acknowledge(reports: readonly AttemptReport[]): void {
    for (const r of reports) {
      if (!isTerminal(r.state)) continue;
      const key = attemptKey(r.task_id, r.attempt);
      this.attempts.delete(key);
      this.recovered.delete(key);
      this.o.ends?.remove(r.task_id, r.attempt);
      this.rememberFinished(key);
    }
  }

  private apply(res: ReconcileResponse): void {
    if (this.status_ === 'stopped') return;
    for (const kill of res.kill) this.onKill(kill);
    for (const start of res.start) this.onStart(start);
  }

  /** Sends a short reconcile now so state changes reach the controller without waiting for the poll. */
  private reportSoon(): void {
    if (!this.registered || this.status_ !== 'registered') return;
    if (this.fastReport) {
      this.fastReportAgain = true;
      return;
    }
    this.fastReport = (async () => {
      do {
        this.fastReportAgain = false;
        // One immediate retry (a pooled connection closed under us); after that the long poll
        // carries the state.
        await this.reconcileOnce(0).catch(() => this.reconcileOnce(0).catch(() => undefined));
      } while (this.fastReportAgain && this.status_ === 'registered');
    })().finally(() => (this.fastReport = undefined));
  }

  private onKill(kill: AttemptKill): void {
    const local = this.attempts.get(attemptKey(kill.task_id, kill.attempt));
    if (local) void this.killAttempt(local, kill.reason, 'KILLED');
  }

  private onStart(start: AttemptStart): void {
    const key = attemptKey(start.task_id, start.attempt);
    if (this.attempts.has(key) || this.finished.has(key)) return;
    // A newer attempt of a task supersedes any older one still here.
    for (const other of this.attempts.values()) {
      if (other.start.task_id === start.task_id && other.start.attempt < start.attempt && !other.terminal) {
        void this.killAttempt(other, `superseded by attempt ${start.attempt}`, 'KILLED');
      }
    }
    const local = new LocalAttempt(start);
    this.attempts.set(key, local);
    // No report of BUILDING on its own: the poll that follows this response carries it, and a
    // separate call would only delay the RUNNING report queued behind it.
    void this.runAttempt(local);
  }

  private async runAttempt(local: LocalAttempt): Promise<void> {
    const s = local.start;
    // Each attempt runs in a dir of its own: a fresh copy of the bundle (the shared cache stays
    // untouched whatever the task does to its files), or an empty dir without a bundle.
    const workDir = join(this.o.scratchDir, `${encodeURIComponent(s.task_id)}.${s.attempt}`);
    // $IRIS_OUTPUT_DIR: what the task leaves here is uploaded to the controller when it ends.
    const outputDir = `${workDir}.out`;
    try {
      rmSync(workDir, { recursive: true, force: true });
      rmSync(outputDir, { recursive: true, force: true });
      mkdirSync(workDir, { recursive: true });
      mkdirSync(outputDir, { recursive: true });
      if (s.bundle_id) {
        const cached = await this.o.bundles.get(s.bundle_id);
        await (this.o.copyBundle ?? copyBundleTree)(cached, workDir);
      }
      if (local.killRequested) {
        this.finish(local, local.killRequested.state, { error: local.killRequested.reason });
        return;
      }
      const exitFile = this.o.ends?.fileOf(s.task_id, s.attempt);
      // The supervisor's backstop: a worker that hangs (or is stopped) stops renewing and its
      // attempts die within the lease, before the controller's worker timeout frees them.
      const leaseMs = Math.max(MIN_LEASE_MS, Math.floor(this.workerTimeoutMs * LEASE_FRACTION));
      local.startedAtMs = this.o.clock.now();
      const endReport = exitFile ? this.endReport() : undefined;
      local.running = await this.o.runtime.start(
        { start: s, workDir, outputDir, leaseMs, ...(exitFile ? { exitFile } : {}), ...(endReport ? { endReport } : {}) },
        { workerId: this.o.workerId, controllerUrl: this.o.controllerUrl },
        (stream, line) => this.pusher.add({ task_id: s.task_id, attempt: s.attempt, stream, ts: this.o.clock.now(), line }),
      );
      // A kill may have arrived while the process was starting (the narrowing above is stale).
      const killDuringStart = pendingKill(local);
      if (killDuringStart) void local.running.kill(killDuringStart.reason);
      else {
        local.state = 'RUNNING';
        this.reportSoon();
      }
      const exit = await local.running.exited;
      const ownEnd = exit.killed ? 'KILLED' : exit.exitCode === 0 && !exit.timedOut ? 'SUCCEEDED' : 'FAILED';
      // A task that exited 0 on its own finished its work, even if a kill (or the fence) was on its
      // way: reporting it lost would run it a second time.
      const completed = exit.exitCode === 0 && exit.signal === undefined && !exit.timedOut;
      const state = completed ? 'SUCCEEDED' : (pendingKill(local)?.state ?? (exit.fenced ? 'WORKER_FAILED' : ownEnd));
      // Outputs reach the controller before the end does, so a finished job's files are listed.
      await this.keepOutputs(s.task_id, s.attempt, outputDir);
      this.finish(local, state, { exitCode: exit.exitCode, signal: exit.signal, error: exit.error });
    } catch (err) {
      const message = (err as Error).message;
      this.pusher.add({ task_id: s.task_id, attempt: s.attempt, stream: 'error', ts: this.o.clock.now(), line: message });
      this.finish(local, local.killRequested?.state ?? 'FAILED', { error: local.killRequested?.reason ?? message });
    } finally {
      rmSync(workDir, { recursive: true, force: true });
      rmSync(outputDir, { recursive: true, force: true });
    }
  }

  /** How this worker's supervisors report ends themselves, or undefined when they do not. */
  private endReport(): AttemptEndReport | undefined {
    if (!this.o.endReports) return undefined;
    const path = routePath(routes.reportAttemptEnd.path, { worker_id: this.o.workerId });
    return {
      url: `${this.o.controllerUrl.replace(/\/+$/, '')}${path}`,
      token: this.o.endReports.credential(),
      graceMs: Math.max(MIN_END_REPORT_GRACE_MS, Math.floor(this.workerTimeoutMs * END_REPORT_GRACE_FRACTION)),
      giveUpMs: this.workerTimeoutMs * END_REPORT_GIVE_UP,
    };
  }

  /** Uploads the attempt's outputs; a failure is told in the task's log, never changes its outcome. */
  private async keepOutputs(taskId: string, attempt: number, dir: string): Promise<void> {
    const api = this.o.api;
    if (listOutputFiles(dir).length === 0) return;
    try {
      const files = await uploadOutputs(
        { hasOutput: api.hasOutput.bind(api), uploadOutput: api.uploadOutput.bind(api), recordOutputs: api.recordOutputs.bind(api) },
        taskId,
        attempt,
        dir,
      );
      this.o.logger.info('outputs kept', { task: taskId, attempt, files: files.length });
    } catch (err) {
      this.pusher.add({ task_id: taskId, attempt, stream: 'error', ts: this.o.clock.now(), line: `outputs not kept: ${(err as Error).message}` });
    }
  }

  private finish(
    local: LocalAttempt,
    state: 'SUCCEEDED' | 'FAILED' | 'KILLED' | 'WORKER_FAILED',
    exit: { exitCode?: number | undefined; signal?: string | undefined; error?: string | undefined },
  ): void {
    local.state = state;
    if (local.startedAtMs !== undefined) local.finishedAtMs = this.o.clock.now();
    local.exitCode = exit.exitCode;
    local.signal = exit.signal;
    local.error = exit.error;
    this.reportSoon();
  }

  private async killAttempt(local: LocalAttempt, reason: string, state: 'KILLED' | 'WORKER_FAILED', immediate = false): Promise<void> {
    if (local.terminal) return;
    local.killRequested ??= { reason, state };
    if (local.running) await local.running.kill(reason, { immediate }).catch(() => undefined);
  }

  /**
   * Kills every attempt when the controller has been out of reach long enough to give up on us;
   * true while fenced (then the attempts' leases are not renewed either).
   */
  private fenceIfCutOff(): boolean {
    const silentMs = this.o.clock.now() - this.lastContactMs;
    if (silentMs < this.workerTimeoutMs * FENCE_FRACTION) return false;
    const live = [...this.attempts.values()].filter((a) => !a.terminal && a.killRequested?.state !== 'WORKER_FAILED');
    if (live.length === 0) return true;
    this.o.logger.warn('controller unreachable for too long; stopping attempts so they cannot run twice', { silentMs, attempts: live.length });
    // SIGKILL at once: the controller retries them elsewhere one worker timeout after our last
    // contact, and they must be dead by then.
    for (const a of live) {
      a.killRequested = { reason: `worker lost contact with the controller for ${Math.round(silentMs / 1000)}s`, state: 'WORKER_FAILED' };
      void this.killAttempt(a, a.killRequested.reason, 'WORKER_FAILED', true);
    }
    return true;
  }

  private rememberFinished(key: string): void {
    this.finished.add(key);
    // Bounded memory: the oldest keys go first (Set keeps insertion order).
    if (this.finished.size > 10_000) {
      const oldest = this.finished.values().next().value;
      if (oldest !== undefined) this.finished.delete(oldest);
    }
  }
}

function pendingKill(local: LocalAttempt): LocalAttempt['killRequested'] {
  return local.killRequested;
}

function isTerminal(state: string): boolean {
  return state === 'SUCCEEDED' || state === 'FAILED' || state === 'KILLED' || state === 'WORKER_FAILED';
}
