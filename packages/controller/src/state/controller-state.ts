import { formatDuration, IrisError, type Clock, type Logger } from '@iris/core';
import {
  API_ERROR_CODES,
  DEFAULT_MAX_RETRIES_FAILURE,
  DEFAULT_MAX_RETRIES_PREEMPTION,
  isTerminalJobState,
  isTerminalTaskState,
  taskIdOf,
  type AttemptKill,
  type AttemptReport,
  type AttemptStart,
  type JobSubmitRequest,
  type LogLine,
  type TaskState,
  type WorkerRegisterRequest,
} from '@iris/core/api';
import { DEFAULT_CONFIG } from '@iris/core/config';
import { schedule } from '../scheduler/scheduler.js';
import type { WorkerCapacity } from '../scheduler/types.js';
import type { StateStore } from '../store/state-store.js';
import { deriveJobState } from './job-state.js';
import { emptyCounts, isActiveTaskState, type JobRecord, type JobSpec, type TaskRecord, type WorkerRecord } from './model.js';
import { loadState } from './recovery.js';
import { checkJobInput, type JobInputLimits } from './job-input.js';

const DEFAULT_JOB_INPUT_LIMITS: JobInputLimits = {
  maxCommandBytes: DEFAULT_CONFIG.controller.limits.max_command_bytes,
  maxArgBytes: DEFAULT_CONFIG.controller.limits.max_arg_bytes,
  maxEnvBytes: DEFAULT_CONFIG.controller.limits.max_env_bytes,
};

export interface ControllerStateOptions {
  clock: Clock;
  store: StateStore;
  logger: Logger;
  /** Named in the error when a write is refused (disk full, read-only). */
  databaseFile?: string;
  /** A worker that does not reconcile for this long is declared dead; its attempts are retried. */
  workerTimeoutMs: number;
  /** Sizes a job's command and env are held to; absent: DEFAULT_CONFIG's. */
  input?: JobInputLimits;
  /** Most new tasks one worker receives in one scheduling pass. */
  maxStartsPerWorkerPerPass: number;
  /** Most attempts one worker may hold in ASSIGNED or BUILDING (back-pressure). */
  maxStartingPerWorker: number;
}

/** Hooks the HTTP layer uses to wake long-polls and schedule a pass. */
export interface StateListener {
  workerHasWork(workerId: string): void;
  schedulingNeeded(): void;
  /** What the autoscaler knows about a pending task (e.g. no group can ever run it), appended to its reason. */
  pendingDetail?(taskId: string, jobName: string): string | undefined;
}

type FailureKind = 'failure' | 'preemption';

/** Longest a queued task's pending reason may be out of date. */
const REASON_REFRESH_MS = 1_000;

interface Submission {
  job: JobRecord;
  /** A finished job of the same name, replaced by this one. */
  existing: JobRecord | undefined;
}
interface FailureInfo {
  exitCode?: number | undefined;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
  signal?: string | undefined;
  error?: string | undefined;
}

/**
 * The controller's jobs, tasks and workers: in memory for speed, written through to SQLite in one
 * transaction per state change, so a restarted controller reloads exactly what it had.
 */
export class ControllerState {
  readonly jobs = new Map<string, JobRecord>();
  readonly tasks = new Map<string, TaskRecord>();
  readonly workers = new Map<string, WorkerRecord>();
  /** Pending tasks in queue order (insertion order of the Map). */
  readonly pending = new Map<string, TaskRecord>();
  /** Parent name → names of its direct children: the one job hierarchy (kill, logs, tree, pages). */
  private readonly children = new Map<string, Set<string>>();
  listener: StateListener = { workerHasWork: () => undefined, schedulingNeeded: () => undefined };
  private nextSeq = 1;
  /** Submissions waiting for the next group commit, and their names (no two of one name). */
  private submissions: Array<Submission & { resolve(job: JobRecord): void; reject(err: unknown): void }> = [];
  private readonly submitting = new Set<string>();
  private reloading = false;
  /** When every pending task's reason was last rewritten (see runSchedulingPass). */
  private reasonsRefreshedAt = Number.NEGATIVE_INFINITY;
  /** Tasks that became pending since the last pass: a pass without workers gives only these a reason. */
  private newlyPending: TaskRecord[] = [];
  private readonly clock: Clock;
  private readonly store: StateStore;

  constructor(private readonly options: ControllerStateOptions) {
    this.clock = options.clock;
    this.store = options.store;
  }

  /** Rebuilds the state from the database (restart recovery). */
  static load(options: ControllerStateOptions): ControllerState {
    const state = new ControllerState(options);
    state.reload();
    return state;
  }

  /** Replaces everything in memory by what the database holds. */
  private reload(): void {
    this.jobs.clear();
    this.tasks.clear();
    this.workers.clear();
    this.pending.clear();
    this.newlyPending = [];
    this.reasonsRefreshedAt = Number.NEGATIVE_INFINITY;
    this.children.clear();
    const orphans = loadState(this, this.store, this.clock.now());
    this.nextSeq = this.store.nextJobSeq();
    for (const job of this.jobs.values()) this.link(job);
    // Attempts on workers the database no longer knows cannot be reached again: retry them.
    if (orphans.length > 0) {
      this.commit(() => {
        for (const t of orphans) this.failAttempt(t, 'preemption', { error: `worker ${t.workerId ?? '?'} is gone` });
      });
    }
  }

  /**
   * Runs one state change as one transaction. Changes touch memory as they go; when the commit
   * fails (disk full, read-only, I/O error) memory is rebuilt from the database, so the two never
   * disagree and nothing the database does not hold is ever reported done. A storage failure is
   * answered 503 naming the database.
   */
  commit<T>(fn: () => T): T {
    try {
      return this.store.transaction(fn);
    } catch (err) {
      const storage = isStorageError(err);
      if (!this.reloading) {
        this.reloading = true;
        try {
          this.reload();
        } catch (reloadErr) {
          this.options.logger.error('cannot rebuild the state from the database', { error: (reloadErr as Error).message });
        } finally {
          this.reloading = false;
        }
      }
      if (!storage) throw err;
      const file = this.options.databaseFile ?? 'the controller database';
      this.options.logger.error('state change not saved', { file, error: (err as Error).message });
      throw new IrisError(
        API_ERROR_CODES.unavailable,
        `the controller cannot save its state to ${file}: ${describeStorageError(err)}; the change was not made. Free space or fix the folder, then retry`,
        { cause: err },
      );
    }
  }

  /** Submits a job in a transaction of its own. */
  submitJob(req: JobSubmitRequest): JobRecord {
    const submission = this.prepareSubmission(req);
    this.commit(() => this.writeSubmission(submission));
    this.applySubmission(submission);
    this.listener.schedulingNeeded();
    return submission.job;
  }

  /**
   * Submits a job with group commit: the submissions that arrive within one turn of the event loop
   * are written in one transaction, and each resolves once that transaction has committed (a
   * failed commit rejects them all; memory is rebuilt and nothing of them remains).
   */
  submitJobGrouped(req: JobSubmitRequest): Promise<JobRecord> {
    const submission = this.prepareSubmission(req);
    return new Promise((resolve, reject) => {
      this.submissions.push({ ...submission, resolve, reject });
      this.submitting.add(submission.job.name);
      if (this.submissions.length === 1) setImmediate(() => this.flushSubmissions());
    });
  }

  private flushSubmissions(): void {
    const batch = this.submissions;
    this.submissions = [];
    this.submitting.clear();
    try {
      this.commit(() => {
        for (const s of batch) this.writeSubmission(s);
      });
    } catch (err) {
      for (const s of batch) s.reject(err);
      return;
    }
    for (const s of batch) {
      this.applySubmission(s);
      s.resolve(s.job);
    }
    this.listener.schedulingNeeded();
  }

  /** Checks a submission against the state and builds its records; changes nothing. */
  private prepareSubmission(req: JobSubmitRequest): Submission {
    checkJobInput(req, this.options.input ?? DEFAULT_JOB_INPUT_LIMITS);
    const now = this.clock.now();
    const name = req.name;
    const existing = this.jobs.get(name);
    if ((existing && !isTerminalJobState(existing.state)) || this.submitting.has(name)) {
      throw new IrisError(
        API_ERROR_CODES.conflict,
        `job ${name} already exists and is ${existing?.state ?? 'being submitted'}; kill it or choose another name`,
      );
    }
    if (req.parent !== undefined) {
      const parent = this.jobs.get(req.parent);
      if (!parent) throw new IrisError(API_ERROR_CODES.notFound, `parent job ${req.parent} does not exist`);
      if (!name.startsWith(`${req.parent}/`)) {
        throw new IrisError(API_ERROR_CODES.invalidRequest, `job name ${name} must start with its parent's name ${req.parent}/`);
      }
      if (isTerminalJobState(parent.state)) {
        throw new IrisError(API_ERROR_CODES.conflict, `parent job ${req.parent} already finished (${parent.state}); cannot add a child`);
      }
    }
    if (req.bundle_id !== undefined && !this.store.hasBundle(req.bundle_id)) {
      throw new IrisError(API_ERROR_CODES.invalidRequest, `bundle ${req.bundle_id} was not uploaded; PUT /api/v1/bundles/${req.bundle_id} first`);
    }
    const spec = normalizeSpec(req);
    const job: JobRecord = { name, seq: this.nextSeq++, spec, state: 'PENDING', submittedAt: now, counts: emptyCounts(), tasks: [] };
    for (let i = 0; i < spec.replicas; i++) {
      job.tasks.push({ taskId: taskIdOf(name, i), job, index: i, state: 'PENDING', attempt: -1, failureCount: 0, preemptionCount: 0 });
    }
    job.counts.PENDING = spec.replicas;
    return { job, existing };
  }

  private writeSubmission({ job, existing }: Submission): void {
    if (existing) this.store.deleteJob(job.name);
    this.store.insertJob(job);
    this.store.recordAction(job.submittedAt, 'job_submitted', job.name, `${job.spec.replicas} task(s): ${job.spec.command.join(' ').slice(0, 200)}`);
  }

  /** Memory follows the database: called only once the submission's transaction has committed. */
  private applySubmission({ job, existing }: Submission): void {
    if (existing) this.forgetJob(existing);
    this.jobs.set(job.name, job);
    this.link(job);
    for (const t of job.tasks) {
      this.tasks.set(t.taskId, t);
      this.pending.set(t.taskId, t);
      this.newlyPending.push(t);
    }
  }

  /** The direct children of a job (jobs submitted with it as their parent), in submission order. */
  childrenOf(name: string): JobRecord[] {
    const names = this.children.get(name);
    if (!names) return [];
    const out: JobRecord[] = [];
    for (const n of names) {
      const j = this.jobs.get(n);
      if (j && j.spec.parent === name) out.push(j);
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  childCount(name: string): number {
    return this.children.get(name)?.size ?? 0;
  }

  /** Every job below `name` in the hierarchy, parents before children. */
  descendantsOf(name: string): JobRecord[] {
    const out: JobRecord[] = [];
    const queue = [name];
    for (let i = 0; i < queue.length; i++) {
      for (const child of this.childrenOf(queue[i]!)) {
        out.push(child);
        queue.push(child.name);
      }
    }
    return out;
  }

  /** True when `name` is `ancestor` or below it in the hierarchy. */
  isWithin(name: string, ancestor: string): boolean {
    let cur = this.jobs.get(name);
    for (let depth = 0; cur && depth < 1000; depth++) {
      if (cur.name === ancestor) return true;
      cur = cur.spec.parent === undefined ? undefined : this.jobs.get(cur.spec.parent);
    }
    return false;
  }

  /** Kills a job and every job below it in the hierarchy. */
  killJob(name: string, reason = 'killed by request'): JobRecord {
    const job = this.jobs.get(name);
    if (!job) throw new IrisError(API_ERROR_CODES.notFound, `job ${name} does not exist`);
    this.commit(() => {
      this.store.recordAction(this.clock.now(), 'job_killed', name, reason);
      this.cancelJob(job, reason);
    });
    return job;
  }

  /**
   * Stores the log lines of attempts the worker runs; lines for tasks it does not run (another
   * worker's, an older attempt's, or from an unregistered worker) are dropped. Returns how many
   * were kept.
   */
  acceptLogs(workerId: string, lines: readonly LogLine[]): number {
    if (!this.workers.has(workerId)) return 0;
    const kept = lines.filter((l) => {
      const t = this.tasks.get(l.task_id);
      return t !== undefined && t.workerId === workerId && t.attempt === l.attempt;
    });
    if (kept.length > 0) this.commit(() => this.store.appendLogs(kept));
    return kept.length;
  }

  registerWorker(req: WorkerRegisterRequest): WorkerRecord {
    const now = this.clock.now();
    let w = this.workers.get(req.worker_id);
    const isNew = !w;
    if (w) {
      w.address = req.address;
      w.resources = req.resources;
      w.accelerators = req.accelerators;
      w.attributes = req.attributes;
      w.lastSeen = now;
    } else {
      w = {
        workerId: req.worker_id,
        address: req.address,
        resources: req.resources,
        accelerators: req.accelerators,
        attributes: req.attributes,
        registeredAt: now,
        lastSeen: now,
        active: new Set(),
        kills: new Map(),
      };
      this.workers.set(w.workerId, w);
    }
    const worker = w;
    this.commit(() => {
      this.store.upsertWorker(worker);
      if (isNew) this.store.recordAction(now, 'worker_registered', worker.workerId, `at ${worker.address}`);
      if (req.attempts) for (const r of req.attempts) this.applyReport(worker, r);
    });
    this.listener.schedulingNeeded();
    return worker;
  }

  /**
   * Applies a worker's report of its attempts and returns what it must start and kill. An attempt
   * the controller had seen running that the worker no longer reports is lost (worker failure).
   */
  reconcile(workerId: string, reports: readonly AttemptReport[]): { start: AttemptStart[]; kill: AttemptKill[] } {
    const worker = this.workers.get(workerId);
    if (!worker) {
      throw new IrisError(API_ERROR_CODES.notFound, `worker ${workerId} is not registered (or was declared dead); register again`);
    }
    const now = this.clock.now();
    worker.lastSeen = now;
    const reported = new Set<string>();
    const before = this.pending.size;
    this.commit(() => {
      this.store.touchWorker(workerId, now);
      for (const r of reports) {
        reported.add(`${r.task_id}\u0000${r.attempt}`);
        this.applyReport(worker, r);
      }
      for (const t of [...worker.active]) {
        if (t.state === 'ASSIGNED' || reported.has(`${t.taskId}\u0000${t.attempt}`)) continue;
        this.failAttempt(t, 'preemption', { error: `attempt ${t.attempt} not found on worker ${workerId}` });
      }
    });
    if (this.pending.size > before || reports.some((r) => isTerminalTaskState(r.state))) this.listener.schedulingNeeded();
    return this.workFor(worker, reported);
  }

  /** Attempts the worker must start (assigned, not yet reported) and kill (queued kills), draining the kills. */
  workFor(worker: WorkerRecord, reported: ReadonlySet<string> = new Set()): { start: AttemptStart[]; kill: AttemptKill[] } {
    const start: AttemptStart[] = [];
    for (const t of worker.active) {
      if (t.state !== 'ASSIGNED' || reported.has(`${t.taskId}\u0000${t.attempt}`)) continue;
      start.push(attemptStart(t));
    }
    const kill = [...worker.kills.values()];
    worker.kills.clear();
    return { start, kill };
  }

  hasWork(workerId: string): boolean {
    const w = this.workers.get(workerId);
    if (!w) return true;
    if (w.kills.size > 0) return true;
    for (const t of w.active) if (t.state === 'ASSIGNED') return true;
    return false;
  }

  /** One scheduling pass over every pending task; returns the number of tasks assigned. */
  runSchedulingPass(): number {
    const now = this.clock.now();
    // Reasons are for people: a pass (one per group commit under load) gives new tasks theirs, and
    // rewrites every pending task's at most once per REASON_REFRESH_MS, so submitting against a
    // long queue does not cost a string per queued task per submission.
    const refreshAll = now - this.reasonsRefreshedAt >= REASON_REFRESH_MS;
    if (refreshAll) this.reasonsRefreshedAt = now;
    if (this.pending.size === 0 || this.workers.size === 0) {
      if (this.workers.size === 0) {
        const due = refreshAll ? this.pending.values() : this.newlyPending.filter((t) => t.state === 'PENDING');
        for (const t of due) t.pendingReason = this.withDetail(t, 'no workers registered');
      }
      this.newlyPending = [];
      return 0;
    }
    this.newlyPending = [];
    const queue = [...this.pending.values()];
    const result = schedule(
      queue.map((t) => (t.sched ??= schedulerTask(t))),
      [...this.workers.values()].map((w) => this.capacityOf(w)),
    );
    const woken = new Set<string>();
    this.commit(() => {
      for (const a of result.assignments) {
        const t = this.tasks.get(a.taskId)!;
        const w = this.workers.get(a.workerId)!;
        t.attempt += 1;
        t.workerId = w.workerId;
        t.pendingReason = undefined;
        t.exitCode = undefined;
        this.setTaskState(t, 'ASSIGNED');
        w.active.add(t);
        this.store.insertAttempt(t.taskId, t.attempt, w.workerId, now);
        this.store.updateTask(t);
        this.refreshJob(t.job);
        woken.add(w.workerId);
      }
    });
    for (const group of result.waiting) {
      // The scheduler hands back the objects it was given: each leads to its record.
      for (const task of group.tasks) {
        const record = (task as NonNullable<TaskRecord['sched']>).record;
        if (refreshAll || record.pendingReason === undefined) record.pendingReason = this.withDetail(record, group.reason);
      }
    }
    for (const id of woken) this.listener.workerHasWork(id);
    return result.assignments.length;
  }

  private withDetail(t: TaskRecord, reason: string): string {
    const detail = this.listener.pendingDetail?.(t.taskId, t.job.name);
    return detail ? `${reason}; ${detail}` : reason;
  }

  /** Declares silent workers dead and expired scheduling deadlines unschedulable. */
  checkTimeouts(): void {
    const now = this.clock.now();
    for (const w of [...this.workers.values()]) {
      if (now - w.lastSeen < this.options.workerTimeoutMs) continue;
      this.commit(() => this.failWorker(w, `no reconcile for ${Math.round((now - w.lastSeen) / 1000)}s`));
    }
    for (const job of this.jobs.values()) {
      const deadline = job.spec.scheduling_timeout_ms;
      if (deadline === undefined || isTerminalJobState(job.state) || job.counts.PENDING === 0) continue;
      if (now - job.submittedAt < deadline) continue;
      this.commit(() => {
        for (const t of job.tasks) {
          if (t.state !== 'PENDING') continue;
          this.endTask(t, 'UNSCHEDULABLE', `not scheduled within ${formatDuration(Math.max(0, Math.round(deadline)))}: ${t.pendingReason ?? 'no capacity'}`);
        }
        this.refreshJob(job);
      });
    }
  }

  private failWorker(w: WorkerRecord, why: string): void {
    const now = this.clock.now();
    this.store.recordAction(now, 'worker_failed', w.workerId, `${why}; ${w.active.size} attempt(s) will be retried`);
    for (const t of [...w.active]) this.failAttempt(t, 'preemption', { error: `worker ${w.workerId} failed: ${why}` });
    this.workers.delete(w.workerId);
    this.store.deleteWorker(w.workerId);
    this.options.logger.warn('worker declared dead', { worker: w.workerId, why });
    this.listener.workerHasWork(w.workerId);
    this.listener.schedulingNeeded();
  }

  private applyReport(worker: WorkerRecord, r: AttemptReport): void {
    const t = this.tasks.get(r.task_id);
    const current = t !== undefined && t.attempt === r.attempt && t.workerId === worker.workerId && isActiveTaskState(t.state);
    if (!current && t !== undefined && r.state === 'SUCCEEDED' && this.acceptLateSuccess(worker.workerId, t, r)) return;
    if (!current || !t) {
      // A stale or unknown attempt: never let it change state, and stop it if it still runs.
      if (!isTerminalTaskState(r.state)) {
        const key = `${r.task_id}\u0000${r.attempt}`;
        worker.kills.set(key, { task_id: r.task_id, attempt: r.attempt, reason: 'attempt is not current on this worker' });
      }
      return;
    }
    const now = this.clock.now();
    // The worker says when the process really ran (a fast task may never be reported RUNNING);
    // its clock may be ahead of ours, never let a time lie in the future.
    const startedAt = Math.min(r.started_at_ms ?? now, now);
    const finishedAt = Math.max(Math.min(r.finished_at_ms ?? now, now), startedAt);
    if (isTerminalTaskState(r.state) && t.state !== 'RUNNING' && r.started_at_ms !== undefined) t.startedAt = startedAt;
    switch (r.state) {
      case 'BUILDING':
      case 'RUNNING': {
        if (t.state === r.state || (t.state === 'RUNNING' && r.state === 'BUILDING')) return;
        if (r.state === 'RUNNING') t.startedAt = startedAt;
        this.setTaskState(t, r.state);
        this.store.updateAttempt(t.taskId, t.attempt, { state: r.state, startedAt: r.state === 'RUNNING' ? startedAt : undefined });
        this.store.updateTask(t);
        this.refreshJob(t.job);
        return;
      }
      case 'SUCCEEDED': {
        this.store.updateAttempt(t.taskId, t.attempt, {
          state: 'SUCCEEDED',
          exitCode: r.exit_code ?? 0,
          startedAt: r.started_at_ms === undefined ? undefined : startedAt,
          finishedAt,
        });
        t.exitCode = r.exit_code ?? 0;
        this.endTask(t, 'SUCCEEDED', undefined, false, finishedAt);
        this.refreshJob(t.job);
        return;
      }
      // A worker kills attempts on its own only when it shuts down, which is worker loss.
      case 'KILLED':
      case 'WORKER_FAILED':
        this.failAttempt(t, 'preemption', {
          exitCode: r.exit_code,
          signal: r.signal,
          error: r.error ?? `worker reported ${r.state}`,
          ...this.reportedTimes(r, startedAt, finishedAt),
        });
        return;
      case 'FAILED':
        this.failAttempt(t, 'failure', {
          exitCode: r.exit_code,
          signal: r.signal,
          error: r.error ?? describeExit(r),
          ...this.reportedTimes(r, startedAt, finishedAt),
        });
        return;
    }
  }

  private reportedTimes(r: AttemptReport, startedAt: number, finishedAt: number): { startedAt?: number; finishedAt: number } {
    return r.started_at_ms === undefined ? { finishedAt } : { startedAt, finishedAt };
  }

  /**
   * A success reported after the controller gave the attempt up (its worker was silent too long,
   * then came back with the end it had recorded): the task's work is done, so it counts, and a
   * retry still pending or running is stopped instead of doing the work a second time.
   */
  private acceptLateSuccess(workerId: string, t: TaskRecord, r: AttemptReport): boolean {
    if (isTerminalTaskState(t.state) || r.attempt > t.attempt) return false;
    const owner = this.store.attemptOwner(t.taskId, r.attempt);
    if (owner?.workerId !== workerId || owner.state !== 'WORKER_FAILED') return false;
    const now = this.clock.now();
    this.store.updateAttempt(t.taskId, r.attempt, { state: 'SUCCEEDED', exitCode: r.exit_code ?? 0, finishedAt: now });
    this.store.recordAction(now, 'late_success', t.taskId, `attempt ${r.attempt} on ${workerId} had succeeded before it was retried`);
    if (isActiveTaskState(t.state)) this.stopAttempt(t, `attempt ${r.attempt} of this task already succeeded`);
    t.exitCode = r.exit_code ?? 0;
    t.error = undefined;
    this.endTask(t, 'SUCCEEDED', undefined, false);
    this.refreshJob(t.job);
    return true;
  }

  /**
   * The current attempt of `t` ended badly. Retries while the budget of that kind lasts; a gang
   * fails or retries as a whole.
   */
  private failAttempt(t: TaskRecord, kind: FailureKind, info: FailureInfo): void {
    const now = this.clock.now();
    const attemptState: TaskState = kind === 'failure' ? 'FAILED' : 'WORKER_FAILED';
    if (isActiveTaskState(t.state)) {
      this.store.updateAttempt(t.taskId, t.attempt, {
        state: attemptState,
        exitCode: info.exitCode,
        signal: info.signal,
        error: info.error,
        startedAt: info.startedAt,
        finishedAt: info.finishedAt ?? now,
      });
    }
    const spec = t.job.spec;
    let retry: boolean;
    if (kind === 'failure') retry = ++t.failureCount <= spec.max_retries_failure;
    else retry = ++t.preemptionCount <= spec.max_retries_preemption;
    t.exitCode = info.exitCode;
    t.error = info.error;
    const group = spec.group_by ? t.job.tasks.filter((s) => s !== t && isActiveTaskState(s.state)) : [];
    for (const sibling of group) {
      this.stopAttempt(sibling, `gang member ${t.taskId} failed`);
      if (retry) this.requeue(sibling);
      else this.endTask(sibling, 'KILLED', `gang member ${t.taskId} failed`);
    }
    if (retry) this.requeue(t);
    else this.endTask(t, attemptState, info.error, false, info.finishedAt);
    this.refreshJob(t.job);
  }

  private requeue(t: TaskRecord): void {
    this.detach(t);
    this.setTaskState(t, 'PENDING');
    t.workerId = undefined;
    this.store.updateTask(t);
  }

  /** Moves a task to a terminal state, stopping its attempt if one is active. */
  private endTask(t: TaskRecord, state: TaskState, error: string | undefined, stopAttempt = true, finishedAt?: number): void {
    if (stopAttempt && isActiveTaskState(t.state)) this.stopAttempt(t, error ?? state);
    this.detach(t);
    this.setTaskState(t, state);
    t.finishedAt = finishedAt ?? this.clock.now();
    if (error !== undefined) t.error = error;
    this.store.updateTask(t);
  }

  /** Marks the current attempt KILLED and queues the kill for its worker. */
  private stopAttempt(t: TaskRecord, reason: string): void {
    if (!isActiveTaskState(t.state) || t.workerId === undefined) return;
    this.store.updateAttempt(t.taskId, t.attempt, { state: 'KILLED', error: reason, finishedAt: this.clock.now() });
    const w = this.workers.get(t.workerId);
    if (!w) return;
    w.kills.set(`${t.taskId}\u0000${t.attempt}`, { task_id: t.taskId, attempt: t.attempt, reason });
    this.listener.workerHasWork(w.workerId);
  }

  private detach(t: TaskRecord): void {
    if (t.workerId !== undefined) this.workers.get(t.workerId)?.active.delete(t);
  }

  private setTaskState(t: TaskRecord, next: TaskState): void {
    if (t.state === next) return;
    t.job.counts[t.state]--;
    t.job.counts[next]++;
    if (t.state === 'PENDING') this.pending.delete(t.taskId);
    if (next === 'PENDING') {
      this.pending.set(t.taskId, t);
      this.newlyPending.push(t);
    }
    t.state = next;
  }

  private refreshJob(job: JobRecord): void {
    if (isTerminalJobState(job.state)) return;
    const next = deriveJobState(job.counts, job.spec.replicas);
    if (next === job.state) return;
    job.state = next;
    if (isTerminalJobState(next)) {
      const now = this.clock.now();
      job.finishedAt = now;
      if (next !== 'SUCCEEDED') {
        job.error ??= job.tasks.find((t) => t.state === next && t.error)?.error ?? `a task ended ${next}`;
        for (const t of job.tasks) if (!isTerminalTaskState(t.state)) this.endTask(t, 'KILLED', `job ${job.name} ended ${next}`);
        this.cancelChildren(job.name, `parent ${job.name} ended ${next}`);
      }
      this.store.recordAction(now, 'job_finished', job.name, job.error ? `${next}: ${job.error}` : next);
    }
    this.store.updateJob(job);
  }

  private cancelJob(job: JobRecord, reason: string): void {
    if (!isTerminalJobState(job.state)) {
      job.error = reason;
      for (const t of job.tasks) if (!isTerminalTaskState(t.state)) this.endTask(t, 'KILLED', reason);
      job.state = 'KILLED';
      job.finishedAt = this.clock.now();
      this.store.updateJob(job);
    }
    this.cancelChildren(job.name, reason);
  }

  private cancelChildren(name: string, reason: string): void {
    for (const child of this.childrenOf(name)) if (!isTerminalJobState(child.state) || this.childCount(child.name) > 0) this.cancelJob(child, reason);
  }

  private link(job: JobRecord): void {
    const parent = job.spec.parent;
    if (parent === undefined) return;
    let set = this.children.get(parent);
    if (!set) this.children.set(parent, (set = new Set()));
    set.add(job.name);
  }

  private forgetJob(job: JobRecord): void {
    if (job.spec.parent !== undefined) this.children.get(job.spec.parent)?.delete(job.name);
    this.jobs.delete(job.name);
    for (const t of job.tasks) {
      this.tasks.delete(t.taskId);
      this.pending.delete(t.taskId);
    }
  }

  private capacityOf(w: WorkerRecord): WorkerCapacity {
    let cpu = 0;
    let mem = 0;
    let disk = 0;
    let acc = 0;
    let starting = 0;
    for (const t of w.active) {
      const r = t.job.spec.resources;
      cpu += r.cpu;
      mem += r.memory_bytes;
      disk += r.disk_bytes;
      acc += r.accelerator?.count ?? 0;
      if (t.state !== 'RUNNING') starting++;
    }
    const accel = w.accelerators[0];
    return {
      workerId: w.workerId,
      freeCpu: w.resources.cpu - cpu,
      freeMemoryBytes: w.resources.memory_bytes - mem,
      freeDiskBytes: w.resources.disk_bytes - disk,
      acceleratorType: accel?.type,
      acceleratorVariant: accel?.variant,
      freeAcceleratorCount: (accel?.count ?? 0) - acc,
      attributes: w.attributes,
      startSlots: Math.max(0, Math.min(this.options.maxStartsPerWorkerPerPass, this.options.maxStartingPerWorker - starting)),
    };
  }

  /**
   * An attempt's end reported by its supervisor, apart from the worker's reconcile (the supervisor
   * outlives a frozen or killed worker). Applied exactly as the same report in a reconcile (a late
   * success stops a retry; a repeat changes nothing) and no heartbeat of the worker. Refuses an
   * attempt that does not exist or was never this worker's.
   */
  reportAttemptEnd(workerId: string, r: AttemptReport): { attemptState: TaskState; taskState: TaskState } {
    const t = this.tasks.get(r.task_id);
    if (!t) throw new IrisError(API_ERROR_CODES.notFound, `task ${r.task_id} does not exist`);
    const owner = this.store.attemptOwner(r.task_id, r.attempt);
    if (!owner) throw new IrisError(API_ERROR_CODES.notFound, `task ${r.task_id} has no attempt ${r.attempt}`);
    if (owner.workerId !== workerId) {
      throw new IrisError(API_ERROR_CODES.forbidden, `attempt ${r.attempt} of task ${r.task_id} was assigned to worker ${owner.workerId}, not to ${workerId}`);
    }
    const worker = this.workers.get(workerId);
    this.commit(() => {
      if (worker) this.applyReport(worker, r);
      // A worker declared dead is forgotten; only a late success of its attempt still counts.
      else if (r.state === 'SUCCEEDED') this.acceptLateSuccess(workerId, t, r);
      const now = this.store.attemptOwner(r.task_id, r.attempt)?.state;
      if (now !== undefined && now !== owner.state) {
        this.store.recordAction(
          this.clock.now(),
          'supervisor_end',
          r.task_id,
          `attempt ${r.attempt} on ${workerId} ended ${now}: its supervisor reported it (the worker had not)`,
        );
      }
    });
    if (isTerminalTaskState(t.state) || t.state === 'PENDING') this.listener.schedulingNeeded();
    return { attemptState: this.store.attemptOwner(r.task_id, r.attempt)?.state ?? owner.state, taskState: t.state };
  }
}

export function normalizeSpec(req: JobSubmitRequest): JobSpec {
  const r = req.resources ?? {};
  const spec: JobSpec = {
    command: req.command,
    env: req.env ?? {},
    resources: { cpu: r.cpu ?? 0, memory_bytes: r.memory_bytes ?? 0, disk_bytes: r.disk_bytes ?? 0 },
    replicas: req.replicas ?? 1,
    max_retries_failure: req.max_retries_failure ?? DEFAULT_MAX_RETRIES_FAILURE,
    max_retries_preemption: req.max_retries_preemption ?? DEFAULT_MAX_RETRIES_PREEMPTION,
    constraints: req.constraints ?? [],
    ports: req.ports ?? [],
  };
  if (r.accelerator) spec.resources.accelerator = r.accelerator;
  if (req.timeout_ms !== undefined) spec.timeout_ms = req.timeout_ms;
  if (req.scheduling_timeout_ms !== undefined) spec.scheduling_timeout_ms = req.scheduling_timeout_ms;
  if (req.group_by !== undefined) spec.group_by = req.group_by;
  if (req.bundle_id !== undefined) spec.bundle_id = req.bundle_id;
  if (req.parent !== undefined) spec.parent = req.parent;
  return spec;
}

function schedulerTask(t: TaskRecord): NonNullable<TaskRecord['sched']> {
  const spec = t.job.spec;
  return { taskId: t.taskId, jobKey: t.job.name, resources: spec.resources, constraints: spec.constraints, groupBy: spec.group_by, record: t };
}

function attemptStart(t: TaskRecord): AttemptStart {
  const spec = t.job.spec;
  const start: AttemptStart = {
    task_id: t.taskId,
    attempt: t.attempt,
    job: t.job.name,
    task_index: t.index,
    num_tasks: spec.replicas,
    command: spec.command,
    env: spec.env,
    ports: spec.ports,
    resources: spec.resources,
  };
  if (spec.bundle_id !== undefined) start.bundle_id = spec.bundle_id;
  if (spec.timeout_ms !== undefined) start.timeout_ms = spec.timeout_ms;
  return start;
}

/** SQLite's own failures (full, read-only, I/O), as opposed to a refusal of the change itself. */
function isStorageError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

function describeStorageError(err: unknown): string {
  const code = String((err as { code?: unknown }).code);
  if (code.startsWith('SQLITE_FULL')) return 'the disk is full';
  if (code.startsWith('SQLITE_READONLY')) return 'the database is read-only';
  if (code.startsWith('SQLITE_IOERR')) return `an I/O error (${code})`;
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) return `the database is damaged (${code})`;
  return (err as Error).message;
}

function describeExit(r: AttemptReport): string {
  if (r.signal) return `killed by ${r.signal}`;
  return `exited with code ${r.exit_code ?? 'unknown'}`;
}
