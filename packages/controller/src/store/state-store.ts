import type { ActionView, AttemptView, StoredLogLine, TaskState, LogLine } from '@iris/core/api';
import type { JobRecord, JobSpec, TaskRecord, WorkerRecord } from '../state/model.js';
import type { SqliteDatabase } from './database.js';

/** Rows per multi-row INSERT of tasks (4 parameters each, well under SQLite's limit). */
const TASK_BATCH = 250;

export interface JobRow {
  name: string;
  seq: number;
  spec: string;
  state: string;
  submitted_at: number;
  finished_at: number | null;
  error: string | null;
}

export interface TaskRow {
  task_id: string;
  job: string;
  idx: number;
  state: string;
  attempt: number;
  worker_id: string | null;
  failure_count: number;
  preemption_count: number;
  exit_code: number | null;
  error: string | null;
  started_at: number | null;
  finished_at: number | null;
}

export interface WorkerRow {
  worker_id: string;
  address: string;
  resources: string;
  accelerators: string;
  attributes: string;
  registered_at: number;
  last_seen: number;
}

/** A slice the autoscaler tracks; kept beside the workers so the two cannot drift apart. */
export interface SliceRow {
  group_name: string;
  /** The create request id: the key, known before the provider names the slice. */
  request_id: string;
  /** The provider's slice id; null while the create has not returned. */
  slice_id: string | null;
  zone: string | null;
  state: string;
  created_at: number;
  ready_at: number | null;
  last_active: number | null;
  liveness_deadline: number;
  /** JSON array of the slice's VMs. */
  vms: string;
  last_change: number;
}

export interface AttemptUpdate {
  state: TaskState;
  exitCode?: number | undefined;
  signal?: string | undefined;
  error?: string | undefined;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
}

export interface StoreLimits {
  /** Lines kept per attempt; older ones are dropped. */
  maxLogLinesPerAttempt: number;
  /** Rows kept in the action log. */
  maxActions: number;
}

/**
 * Every read and write of the controller database, as prepared statements. Callers group writes in
 * `transaction()` so each state change commits as one unit.
 */
export class StateStore {
  private readonly s;
  private readonly logCounts = new Map<string, number>();

  constructor(
    readonly db: SqliteDatabase,
    private readonly limits: StoreLimits,
  ) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      insertJob: p('INSERT INTO jobs (name, seq, spec, state, submitted_at) VALUES (?, ?, ?, ?, ?)'),
      updateJob: p('UPDATE jobs SET state = ?, finished_at = ?, error = ? WHERE name = ?'),
      deleteJob: p('DELETE FROM jobs WHERE name = ?'),
      deleteJobTasks: p('DELETE FROM tasks WHERE job = ?'),
      deleteJobAttempts: p('DELETE FROM attempts WHERE task_id IN (SELECT task_id FROM tasks WHERE job = ?)'),
      maxJobSeq: p('SELECT MAX(seq) AS v FROM jobs'),
      insertTask: p('INSERT INTO tasks (task_id, job, idx, state) VALUES (?, ?, ?, ?)'),
      insertTaskBatch: p(`INSERT INTO tasks (task_id, job, idx, state) VALUES ${Array(TASK_BATCH).fill('(?, ?, ?, ?)').join(', ')}`),
      updateTask: p(
        'UPDATE tasks SET state = ?, attempt = ?, worker_id = ?, failure_count = ?, preemption_count = ?, exit_code = ?, error = ?, started_at = ?, finished_at = ? WHERE task_id = ?',
      ),
      insertAttempt: p('INSERT INTO attempts (task_id, attempt, worker_id, state, created_at) VALUES (?, ?, ?, ?, ?)'),
      updateAttempt: p(
        `UPDATE attempts SET state = ?, exit_code = COALESCE(?, exit_code), signal = COALESCE(?, signal), error = COALESCE(?, error),
         started_at = COALESCE(started_at, ?), finished_at = COALESCE(finished_at, ?) WHERE task_id = ? AND attempt = ?`,
      ),
      attemptsOf: p('SELECT * FROM attempts WHERE task_id = ? ORDER BY attempt'),
      attemptOwner: p('SELECT worker_id, state FROM attempts WHERE task_id = ? AND attempt = ?'),
      upsertWorker: p(
        `INSERT INTO workers (worker_id, address, resources, accelerators, attributes, registered_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(worker_id) DO UPDATE SET address = excluded.address, resources = excluded.resources, accelerators = excluded.accelerators,
         attributes = excluded.attributes, last_seen = excluded.last_seen`,
      ),
      touchWorker: p('UPDATE workers SET last_seen = ? WHERE worker_id = ?'),
      deleteWorker: p('DELETE FROM workers WHERE worker_id = ?'),
      insertBundle: p('INSERT OR IGNORE INTO bundles (sha256, size_bytes, created_at) VALUES (?, ?, ?)'),
      getBundle: p('SELECT sha256, size_bytes FROM bundles WHERE sha256 = ?'),
      insertLog: p('INSERT INTO log_lines (task_id, attempt, stream, ts, line) VALUES (?, ?, ?, ?, ?)'),
      countLogs: p('SELECT COUNT(*) AS n FROM log_lines WHERE task_id = ? AND attempt = ?'),
      trimLogs: p(
        'DELETE FROM log_lines WHERE task_id = ? AND attempt = ? AND seq <= (SELECT seq FROM log_lines WHERE task_id = ? AND attempt = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)',
      ),
      logsOfTask: p('SELECT * FROM log_lines WHERE task_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
      logsOfAttempt: p('SELECT * FROM log_lines WHERE task_id = ? AND attempt = ? AND seq > ? ORDER BY seq LIMIT ?'),
      // A job's own tasks: `<job>/<digits>`; rtrim strips the index, so `/a/b/0` is not a line of `/a`.
      logsOfJob: p(
        "SELECT * FROM log_lines WHERE seq > ? AND task_id > ? || '/' AND task_id < ? || '0' AND rtrim(task_id, '0123456789') = ? || '/' ORDER BY seq LIMIT ?",
      ),
      // A job and the descendants listed in a JSON array (their names all start with the job's).
      logsOfJobs: p(
        "SELECT * FROM log_lines WHERE seq > ? AND task_id > ? || '/' AND task_id < ? || '0' AND rtrim(task_id, '0123456789') IN (SELECT value || '/' FROM json_each(?)) ORDER BY seq LIMIT ?",
      ),
      insertAction: p('INSERT INTO actions (ts, kind, subject, message) VALUES (?, ?, ?, ?)'),
      trimActions: p('DELETE FROM actions WHERE seq <= (SELECT MAX(seq) FROM actions) - ?'),
      listActions: p('SELECT * FROM actions WHERE seq < ? ORDER BY seq DESC LIMIT ?'),
      upsertSlice: p(
        `INSERT OR REPLACE INTO slices (group_name, request_id, slice_id, zone, state, created_at, ready_at, last_active, liveness_deadline, vms, last_change)
         VALUES (@group_name, @request_id, @slice_id, @zone, @state, @created_at, @ready_at, @last_active, @liveness_deadline, @vms, @last_change)`,
      ),
      deleteSlice: p('DELETE FROM slices WHERE group_name = ? AND request_id = ?'),
      listSlices: p('SELECT * FROM slices ORDER BY group_name, created_at, request_id'),
      listSlicesOfGroup: p('SELECT * FROM slices WHERE group_name = ? ORDER BY created_at, request_id'),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  nextJobSeq(): number {
    return ((this.s.maxJobSeq.get() as { v: number | null }).v ?? 0) + 1;
  }

  insertJob(job: JobRecord): void {
    this.s.insertJob.run(job.name, job.seq, JSON.stringify(job.spec), job.state, job.submittedAt);
    // Multi-row inserts: a 10k-replica job is 100 statements, not 10k.
    const tasks = job.tasks;
    let i = 0;
    const params: unknown[] = [];
    for (; i + TASK_BATCH <= tasks.length; i += TASK_BATCH) {
      params.length = 0;
      for (let k = i; k < i + TASK_BATCH; k++) params.push(tasks[k]!.taskId, job.name, tasks[k]!.index, tasks[k]!.state);
      this.s.insertTaskBatch.run(params);
    }
    for (; i < tasks.length; i++) this.s.insertTask.run(tasks[i]!.taskId, job.name, tasks[i]!.index, tasks[i]!.state);
  }

  /** Removes a finished job (being replaced by a new submission of its name) with its tasks and attempts. */
  deleteJob(name: string): void {
    this.s.deleteJobAttempts.run(name);
    this.s.deleteJobTasks.run(name);
    this.s.deleteJob.run(name);
  }

  updateJob(job: JobRecord): void {
    this.s.updateJob.run(job.state, job.finishedAt ?? null, job.error ?? null, job.name);
  }

  updateTask(t: TaskRecord): void {
    this.s.updateTask.run(
      t.state,
      t.attempt,
      t.workerId ?? null,
      t.failureCount,
      t.preemptionCount,
      t.exitCode ?? null,
      t.error ?? null,
      t.startedAt ?? null,
      t.finishedAt ?? null,
      t.taskId,
    );
  }

  insertAttempt(taskId: string, attempt: number, workerId: string, createdAt: number): void {
    this.s.insertAttempt.run(taskId, attempt, workerId, 'ASSIGNED', createdAt);
  }

  updateAttempt(taskId: string, attempt: number, u: AttemptUpdate): void {
    this.s.updateAttempt.run(u.state, u.exitCode ?? null, u.signal ?? null, u.error ?? null, u.startedAt ?? null, u.finishedAt ?? null, taskId, attempt);
  }

  /** The worker that ran one attempt and the state the database holds for it. */
  attemptOwner(taskId: string, attempt: number): { workerId: string; state: TaskState } | undefined {
    const row = this.s.attemptOwner.get(taskId, attempt) as { worker_id: string; state: TaskState } | undefined;
    return row && { workerId: row.worker_id, state: row.state };
  }

  attemptsOf(taskId: string): AttemptView[] {
    return (this.s.attemptsOf.all(taskId) as AttemptRow[]).map(attemptView);
  }

  upsertWorker(w: WorkerRecord): void {
    this.s.upsertWorker.run(
      w.workerId,
      w.address,
      JSON.stringify(w.resources),
      JSON.stringify(w.accelerators),
      JSON.stringify(w.attributes),
      w.registeredAt,
      w.lastSeen,
    );
  }

  touchWorker(workerId: string, lastSeen: number): void {
    this.s.touchWorker.run(lastSeen, workerId);
  }

  deleteWorker(workerId: string): void {
    this.s.deleteWorker.run(workerId);
  }

  recordBundle(sha256: string, sizeBytes: number, createdAt: number): void {
    this.s.insertBundle.run(sha256, sizeBytes, createdAt);
  }

  hasBundle(sha256: string): boolean {
    return this.s.getBundle.get(sha256) !== undefined;
  }

  /** Appends log lines, keeping at most about `maxLogLinesPerAttempt` per attempt. */
  appendLogs(lines: readonly LogLine[]): void {
    const touched = new Set<string>();
    for (const l of lines) {
      this.s.insertLog.run(l.task_id, l.attempt, l.stream, l.ts, l.line);
      const key = `${l.task_id}\u0000${l.attempt}`;
      const known = this.logCounts.get(key) ?? (this.s.countLogs.get(l.task_id, l.attempt) as { n: number }).n - 1;
      this.logCounts.set(key, known + 1);
      touched.add(key);
    }
    const max = this.limits.maxLogLinesPerAttempt;
    for (const key of touched) {
      const count = this.logCounts.get(key)!;
      // Trim in chunks (at 110 %) so a chatty task does not pay a DELETE on every push.
      if (count <= max * 1.1) continue;
      const [taskId, attempt] = key.split('\u0000') as [string, string];
      this.s.trimLogs.run(taskId, Number(attempt), taskId, Number(attempt), max);
      this.logCounts.set(key, max);
    }
  }

  /** Lines after `cursor` of a task (optionally one attempt) or of a job and its children. */
  /**
   * Log lines after `cursor`: of one task (one attempt), or of a job's own tasks, plus those of
   * `descendants` (job names that start with the job's) when given.
   */
  readLogs(query: { taskId?: string; job?: string; descendants?: string[]; attempt?: number; cursor: number; limit: number }): StoredLogLine[] {
    let rows: unknown[];
    if (query.taskId !== undefined) {
      rows =
        query.attempt === undefined
          ? this.s.logsOfTask.all(query.taskId, query.cursor, query.limit)
          : this.s.logsOfAttempt.all(query.taskId, query.attempt, query.cursor, query.limit);
    } else {
      rows =
        query.descendants && query.descendants.length > 0
          ? this.s.logsOfJobs.all(query.cursor, query.job, query.job, JSON.stringify([query.job, ...query.descendants]), query.limit)
          : this.s.logsOfJob.all(query.cursor, query.job, query.job, query.job, query.limit);
    }
    return rows as StoredLogLine[];
  }

  recordAction(ts: number, kind: string, subject: string, message: string): void {
    const info = this.s.insertAction.run(ts, kind, subject, message);
    if (Number(info.lastInsertRowid) % 100 === 0) this.s.trimActions.run(this.limits.maxActions);
  }

  /** Newest first; `before` is an exclusive seq upper bound. */
  listActions(before: number, limit: number): ActionView[] {
    return (this.s.listActions.all(before, limit) as Array<{ seq: number; ts: number; kind: string; subject: string; message: string }>).map((r) => ({
      seq: r.seq,
      ts_ms: r.ts,
      kind: r.kind,
      subject: r.subject,
      message: r.message,
    }));
  }

  upsertSlice(row: SliceRow): void {
    this.s.upsertSlice.run(row);
  }

  deleteSlice(group: string, requestId: string): void {
    this.s.deleteSlice.run(group, requestId);
  }

  listSlices(group?: string): SliceRow[] {
    return (group === undefined ? this.s.listSlices.all() : this.s.listSlicesOfGroup.all(group)) as SliceRow[];
  }

  loadJobs(): JobRow[] {
    return this.db.prepare('SELECT * FROM jobs ORDER BY seq').all() as JobRow[];
  }

  /** Every task row (tests and tools; recovery reads only the touched ones). */
  iterateTasks(): IterableIterator<TaskRow> {
    return this.db.prepare('SELECT * FROM tasks').iterate() as IterableIterator<TaskRow>;
  }

  /** Tasks that left their initial state (PENDING without attempt); the others are implied by `replicas`. */
  touchedTasks(): TaskRow[] {
    return this.db.prepare("SELECT * FROM tasks WHERE attempt >= 0 OR state != 'PENDING'").all() as TaskRow[];
  }

  loadWorkers(): WorkerRow[] {
    return this.db.prepare('SELECT * FROM workers').all() as WorkerRow[];
  }

  close(): void {
    this.db.close();
  }
}

export function parseJobSpec(json: string): JobSpec {
  return JSON.parse(json) as JobSpec;
}

interface AttemptRow {
  task_id: string;
  attempt: number;
  worker_id: string;
  state: TaskState;
  exit_code: number | null;
  signal: string | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/** The API's view of an attempt row (`*_ms` names; absent rather than null). */
function attemptView(r: AttemptRow): AttemptView {
  const v: AttemptView = { task_id: r.task_id, attempt: r.attempt, worker_id: r.worker_id, state: r.state, created_at_ms: r.created_at };
  if (r.exit_code !== null) v.exit_code = r.exit_code;
  if (r.signal !== null) v.signal = r.signal;
  if (r.error !== null) v.error = r.error;
  if (r.started_at !== null) v.started_at_ms = r.started_at;
  if (r.finished_at !== null) v.finished_at_ms = r.finished_at;
  if (r.started_at !== null && r.finished_at !== null) v.duration_ms = Math.max(0, r.finished_at - r.started_at);
  return v;
}
