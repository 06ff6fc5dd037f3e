import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, type Logger } from '@iris/core';
import {
  API_PREFIX,
  isTerminalJobState,
  isTerminalTaskState,
  parseTaskId,
  type Page,
  type ReconcileResponse,
  type RouteSpec,
  type TaskView,
  type WorkerView,
} from '@iris/core/api';
import type { ControllerState } from '../state/controller-state.js';
import { jobView, taskView, workerView, type ViewContext } from '../state/views.js';
import type { StateStore } from '../store/state-store.js';
import type { JsonBodyLimits } from './json-body.js';
import type { OutputStore } from '../store/output-store.js';
import type { DashboardRoutes } from '../dashboard/dashboard-routes.js';
import type { LoginCodes } from '../dashboard/login-codes.js';
import { sessionOf } from '../dashboard/session-cookie.js';
import type { SessionStore } from '../dashboard/sessions.js';
import { jobTree } from '../dashboard/job-tree.js';
import type { BlobStore } from './blob-store.js';
import { isAuthorized } from './auth.js';
import { JoinRefusedError, type CredentialStore } from '../auth/credential-store.js';
import { bearerOf, workerPrincipal } from '../auth/principal.js';
import { apiError, sendError } from './http-util.js';
import { Router, type Caller, type Handlers } from './router.js';
import type { TaskTokens } from './task-tokens.js';
import type { ControllerMetrics } from '../metrics/controller-metrics.js';

export interface ApiDeps {
  state: ControllerState;
  store: StateStore;
  bundles: BlobStore;
  outputs: BlobStore;
  outputIndex: OutputStore;
  taskTokens: TaskTokens;
  token: string;
  /** Join tokens and worker credentials (absent: only the master token works on worker routes). */
  credentials?: CredentialStore;
  clock: Clock;
  logger: Logger;
  metrics: ControllerMetrics;
  /** Longest a reconcile or log fetch is held open. */
  maxWaitMs: number;
  workerTimeoutMs: number;
  maxBodyBytes: number;
  /** What a JSON body may hold, counted while it streams in. */
  jsonLimits: JsonBodyLimits;
  /** Most bytes of output files one attempt may keep. */
  maxOutputBytes: number;
  /** Validate every JSON answer against its schema (tests). */
  validateResponses: boolean;
  /** Filled in once the cluster's autoscaler exists; absent on a controller without scale groups. */
  autoscaler: AutoscalerSlot;
  /** The dashboard's static pages and its login route (absent: no dashboard). */
  dashboard?: DashboardRoutes;
  /** One-time dashboard login codes, minted by POST /api/v1/login-codes. */
  loginCodes?: LoginCodes;
  /** Dashboard sessions: a live session cookie may read (GET) the API, never change anything. */
  sessions?: SessionStore;
  /** The resolved cluster config, secrets masked (GET /api/v1/config); filled by the composition root. */
  config?: ConfigSlot;
}

/** What GET /api/v1/config shows: set once a cluster file's controller has loaded its config. */
export interface ConfigSlot {
  current?: unknown;
}

/** What the API shows of the autoscaler (GET /api/v1/autoscaler and /api/v1/autoscaler/explain). */
export interface AutoscalerView {
  status(): unknown;
  explain(): unknown;
  /** Failing hosts of the platforms that report them (GET /api/v1/hosts). */
  hostReports?(): unknown[];
  /** Stops scaling and terminates every slice and labelled VM the cluster owns (`iris stop`). */
  terminateAll?(): Promise<{ slices: number; orphans: number }>;
}

export interface AutoscalerSlot {
  current?: AutoscalerView;
}

interface Waiter {
  finish: () => void;
}

const NO_AUTOSCALER =
  'this controller runs no autoscaler: it was started without a cluster file. Restart it with `iris controller serve -c FILE` (or `iris start -c FILE`) to manage scale groups';

/**
 * The HTTP API: the route table of @iris/core served by one handler per route. Bodies and query
 * parameters are validated by the table's JSON Schemas before anything changes.
 */
export class ApiServer {
  private readonly reconcileWaiters = new Map<string, Waiter>();
  private readonly logWaiters = new Set<Waiter>();
  private readonly router: Router;

  constructor(private readonly deps: ApiDeps) {
    this.router = new Router({
      handlers: this.handlers(),
      authenticate: (req, route) => this.authenticate(req, route),
      jsonLimits: deps.jsonLimits,
      validateResponses: deps.validateResponses,
    });
  }

  /** Wakes the held reconcile of a worker that now has work. */
  wakeWorker(workerId: string): void {
    this.reconcileWaiters.get(workerId)?.finish();
  }

  /** Releases every held call (shutdown). */
  releaseAll(): void {
    for (const w of [...this.reconcileWaiters.values()]) w.finish();
    for (const w of [...this.logWaiters]) w.finish();
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    let route = 'other';
    this.route(req, res, (name) => (route = name))
      .catch((err: unknown) => {
        const code = String((err as { code?: unknown })?.code ?? '');
        if (!code.startsWith('IRIS_API') || code === 'IRIS_API_RESPONSE_INVALID') {
          this.deps.logger.error('request failed', { method: req.method, path: req.url?.split('?')[0], error: (err as Error)?.message });
        }
        sendError(res, err);
      })
      .finally(() => this.deps.metrics.observeRequest(route, req.method ?? 'GET', res.statusCode, (performance.now() - started) / 1000));
  };

  private async route(req: IncomingMessage, res: ServerResponse, onRoute: (name: string) => void): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://controller');
    const method = req.method ?? 'GET';
    if (this.deps.dashboard?.handle(req, res, url)) {
      onRoute('dashboard');
      return;
    }
    const found = this.router.match(method, url.pathname);
    if (found && found !== 'wrong-method') onRoute(found.route.name);
    if (await this.router.dispatch(req, res, url)) return;
    throw apiError('notFound', `no route ${method} ${url.pathname}${url.pathname.startsWith(API_PREFIX) ? '' : ` (the API is under ${API_PREFIX})`}`);
  }

  private authenticate(req: IncomingMessage, route: RouteSpec): Caller {
    if (route.auth === 'open') return { kind: 'anonymous' };
    if (isAuthorized(req.headers, this.deps.token)) return { kind: 'operator' };
    if (route.auth === 'master') throw apiError('unauthorized', 'this route needs the cluster token itself (the state dir file "token")');
    if ((route.auth === 'worker' || route.auth === 'join') && this.deps.credentials) {
      const worker = workerPrincipal(bearerOf(req.headers), this.deps.credentials, route.auth === 'join');
      if (worker) return worker;
    }
    // A signed-in dashboard may read, never change anything.
    if (route.method === 'GET' && this.deps.sessions !== undefined && sessionOf(req.headers, this.deps.sessions) !== undefined) return { kind: 'operator' };
    if (route.auth === 'task') {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      const claim = bearer === undefined ? undefined : this.deps.taskTokens.verify(bearer);
      if (claim) {
        const t = this.deps.state.tasks.get(claim.taskId);
        if (t && t.attempt === claim.attempt && !isTerminalTaskState(t.state) && t.state !== 'PENDING') {
          return { kind: 'task', taskId: claim.taskId, attempt: claim.attempt, job: t.job.name };
        }
        throw apiError('unauthorized', `the task token of ${claim.taskId} attempt ${claim.attempt} is no longer valid: that attempt has ended`);
      }
    }
    throw apiError(
      'unauthorized',
      'missing, wrong or revoked token: send "Authorization: Bearer <token>" (the token is in the state dir file "token"), or sign in to the dashboard with the link `iris dashboard` prints',
    );
  }

  /** A worker credential acts only as its own worker; returns undefined so a handler can chain it. */
  private actsAs(caller: Caller, workerId: string): undefined {
    if (caller.kind === 'worker' && caller.workerId !== workerId) {
      throw apiError('unauthorized', `this credential belongs to worker "${caller.workerId}", not "${workerId}"`);
    }
    return undefined;
  }

  /**
   * Registration by a join token trades it for the worker's own credential (answered once, stored
   * only as a digest); a worker credential registers only as its own worker.
   */
  private admitWorker(caller: Caller, workerId: string): string | undefined {
    this.actsAs(caller, workerId);
    if (caller.kind !== 'join') return undefined;
    try {
      return this.deps.credentials!.claim(caller.joinToken, workerId);
    } catch (err) {
      if (err instanceof JoinRefusedError) throw apiError('unauthorized', err.message);
      throw err;
    }
  }

  private viewContext(): ViewContext {
    const { state } = this.deps;
    return { now: this.deps.clock.now(), childCount: (name) => state.childCount(name) };
  }

  private handlers(): Handlers {
    const { state, store } = this.deps;
    return {
      health: () => ({ status: 'ok', workers: state.workers.size, jobs: state.jobs.size }),
      metrics: ({ res }) => this.deps.metrics.send(res),

      submitJob: async ({ body, caller }) => {
        if (caller.kind === 'task') {
          // A task's jobs are its job's children unless it names a parent inside its own tree.
          body.parent ??= caller.job;
          if (!state.isWithin(body.parent, caller.job)) {
            throw apiError('forbidden', `task ${caller.taskId} may only start jobs under its own job ${caller.job}, not under ${body.parent}`);
          }
        }
        // Group commit: concurrent submissions share one transaction; each answer follows its commit.
        return { job: jobView(await state.submitJobGrouped(body), this.viewContext()) };
      },
      listJobs: ({ query }) => {
        const limit = Math.min(query.limit ?? 100, 1000);
        const after = query.cursor === undefined ? 0 : cursorNumber(query.cursor);
        const prefix = query.prefix ?? '';
        const source = query.parent === undefined ? state.jobs.values() : state.childrenOf(query.parent);
        const items = [];
        let more = false;
        for (const job of source) {
          if (job.seq <= after || !job.name.startsWith(prefix)) continue;
          if (query.state !== undefined && job.state !== query.state) continue;
          if (items.length === limit) {
            more = true;
            break;
          }
          items.push(job);
        }
        const ctx = this.viewContext();
        const page: Page<ReturnType<typeof jobView>> = { items: items.map((j) => jobView(j, ctx)) };
        if (more) page.next_cursor = String(items.at(-1)!.seq);
        return page;
      },
      getJob: ({ params }) => jobView(this.job(params.name), this.viewContext()),
      listTasks: ({ params, query }) => {
        const job = this.job(params.name);
        const limit = Math.min(query.limit ?? 100, 1000);
        const from = query.cursor === undefined ? 0 : cursorNumber(query.cursor);
        const now = this.deps.clock.now();
        const page: Page<TaskView> = { items: job.tasks.slice(from, from + limit).map((t) => taskView(t, now)) };
        if (from + limit < job.tasks.length) page.next_cursor = String(from + limit);
        return page;
      },
      killJob: ({ params, caller }) => {
        if (caller.kind === 'task' && (params.name === caller.job || !state.isWithin(params.name, caller.job))) {
          throw apiError('forbidden', `task ${caller.taskId} may only kill jobs it started (below ${caller.job})`);
        }
        this.job(params.name);
        return jobView(state.killJob(params.name), this.viewContext());
      },
      listJobOutputs: ({ params, query }) => {
        this.job(params.name);
        const rows = this.deps.outputIndex.ofJob(params.name);
        const items = query.task === undefined ? rows : rows.filter((r) => parseTaskId(r.task_id)?.index === query.task);
        items.sort((a, b) => (parseTaskId(a.task_id)?.index ?? 0) - (parseTaskId(b.task_id)?.index ?? 0) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
        return { items, size_bytes: items.reduce((sum, r) => sum + r.size_bytes, 0) };
      },
      getTask: ({ params }) => {
        const t = state.tasks.get(params.task_id);
        if (!t) throw apiError('notFound', `task ${params.task_id} does not exist`);
        return { ...taskView(t, this.deps.clock.now()), attempts: store.attemptsOf(t.taskId) };
      },
      listActiveTasks: ({ query }) => {
        // Tasks placed on workers and not finished (the dashboard's "running tasks" of each worker).
        const limit = query.limit ?? 1000;
        const now = this.deps.clock.now();
        const items: TaskView[] = [];
        for (const t of state.tasks.values()) {
          if (t.state === 'PENDING' || isTerminalTaskState(t.state)) continue;
          if (query.worker !== undefined && t.workerId !== query.worker) continue;
          if (items.length === limit) break;
          items.push(taskView(t, now));
        }
        return { items };
      },
      putTaskOutputs: ({ params, body }) => {
        const t = state.tasks.get(params.task_id);
        if (!t) throw apiError('notFound', `task ${params.task_id} does not exist`);
        if (body.attempt > t.attempt) throw apiError('invalidRequest', `task ${params.task_id} has no attempt ${body.attempt}`);
        const total = body.files.reduce((sum, f) => sum + f.size_bytes, 0);
        if (total > this.deps.maxOutputBytes) {
          throw apiError('tooLarge', `outputs of ${total} bytes exceed controller.limits.max_output_bytes (${this.deps.maxOutputBytes})`);
        }
        const missing = body.files.find((f) => !this.deps.outputs.has(f.sha256));
        if (missing)
          throw apiError('invalidRequest', `output ${missing.path} (${missing.sha256}) was not uploaded; PUT /api/v1/outputs/${missing.sha256} first`);
        this.deps.outputIndex.record(params.task_id, body.attempt, body.files);
        return { files: body.files.length, size_bytes: total };
      },

      registerWorker: ({ body, caller }) => {
        const workerToken = this.admitWorker(caller, body.worker_id);
        const w = state.registerWorker(body);
        return {
          worker_id: w.workerId,
          worker_timeout_ms: this.deps.workerTimeoutMs,
          reconcile_wait_ms: this.deps.maxWaitMs,
          ...(workerToken === undefined ? {} : { worker_token: workerToken }),
        };
      },
      revokeWorker: ({ params }) => {
        if (!this.deps.credentials) throw apiError('notFound', 'this controller issues no worker credentials');
        return { worker_id: params.worker_id, revoked: this.deps.credentials.revokeWorker(params.worker_id) };
      },
      listWorkers: ({ query }) => {
        const limit = Math.min(query.limit ?? 100, 1000);
        const ids = [...state.workers.keys()].sort();
        const cursor = query.cursor;
        const start = cursor === undefined ? 0 : ids.findIndex((w) => w > cursor);
        const slice = start < 0 ? [] : ids.slice(start, start + limit);
        const page: Page<WorkerView> = { items: slice.map((w) => workerView(state.workers.get(w)!)) };
        if (start >= 0 && start + limit < ids.length) page.next_cursor = slice.at(-1)!;
        return page;
      },
      reconcile: ({ params, body, res, caller }) => this.actsAs(caller, params.worker_id) ?? this.reconcile(params.worker_id, body.attempts, body.wait_ms, res),
      reportAttemptEnd: ({ params, body, caller }) => {
        this.actsAs(caller, params.worker_id);
        const { attemptState, taskState } = state.reportAttemptEnd(params.worker_id, body);
        return { task_id: body.task_id, attempt: body.attempt, attempt_state: attemptState, task_state: taskState };
      },

      pushLogs: ({ body, caller }) => {
        this.actsAs(caller, body.worker_id);
        // Only lines of attempts the sending worker runs are kept (state.acceptLogs checks).
        const accepted = state.acceptLogs(body.worker_id, body.lines);
        for (const w of [...this.logWaiters]) w.finish();
        return { accepted };
      },
      fetchLogs: ({ query, res }) => this.fetchLogs(query, res),

      putBundle: ({ params, req }) => this.deps.bundles.put(params.sha256, req),
      headBundle: ({ params, res }) => this.deps.bundles.send(params.sha256, res, true),
      getBundle: ({ params, res }) => this.deps.bundles.send(params.sha256, res, false),
      putOutputBlob: ({ params, req }) => this.deps.outputs.put(params.sha256, req),
      headOutputBlob: ({ params, res }) => this.deps.outputs.send(params.sha256, res, true),
      getOutputBlob: ({ params, res }) => {
        if (!this.deps.outputIndex.isListed(params.sha256)) throw apiError('notFound', `output ${params.sha256} does not exist`);
        this.deps.outputs.send(params.sha256, res, false);
      },

      listActions: ({ query }) => {
        const limit = Math.min(query.limit ?? 50, 1000);
        const before = query.cursor === undefined ? Number.MAX_SAFE_INTEGER : cursorNumber(query.cursor);
        const items = store.listActions(before, limit);
        const page: Page<(typeof items)[number]> = { items };
        if (items.length === limit) page.next_cursor = String(items.at(-1)!.seq);
        return page;
      },
      autoscalerStatus: () => this.autoscaler().status() as Record<string, unknown>,
      autoscalerExplain: () => this.autoscaler().explain() as Record<string, unknown>,
      autoscalerTerminateAll: async () => {
        const view = this.autoscaler();
        if (!view.terminateAll) throw apiError('notFound', NO_AUTOSCALER);
        return view.terminateAll();
      },
      mintLoginCode: () => {
        if (!this.deps.loginCodes) throw apiError('notFound', 'this controller serves no dashboard');
        const { code, expiresAtMs } = this.deps.loginCodes.mint();
        return { code, expires_at_ms: expiresAtMs, path: `/dashboard/login?code=${encodeURIComponent(code)}` };
      },
      listSessions: () => ({ items: this.sessions().list() }),
      revokeSession: ({ params }) => {
        const revoked = this.sessions().revoke(params.id);
        if (!revoked) throw apiError('notFound', `no dashboard session ${params.id} (iris dashboard sessions lists them)`);
        return { revoked };
      },
      getConfig: () => {
        const current = this.deps.config?.current;
        if (current === undefined) throw apiError('notFound', 'this controller was started without a cluster file, so it has no config to show');
        return current as Record<string, unknown>;
      },
      jobTree: ({ query }) =>
        jobTree(state.jobs.values(), {
          ...(query.state === undefined ? {} : { state: query.state }),
          ...(query.name === undefined ? {} : { name: query.name }),
          sort: query.sort ?? 'submitted',
          descending: (query.order ?? 'desc') === 'desc',
          offset: query.offset ?? 0,
          limit: query.limit ?? 100,
        }),
      listHosts: () => ({ items: (this.deps.autoscaler.current?.hostReports?.() ?? []) as Record<string, unknown>[] }),
    };
  }

  private sessions(): SessionStore {
    if (!this.deps.sessions) throw apiError('notFound', 'this controller serves no dashboard');
    return this.deps.sessions;
  }

  private autoscaler(): AutoscalerView {
    const view = this.deps.autoscaler.current;
    if (!view) throw apiError('notFound', NO_AUTOSCALER);
    return view;
  }

  private job(name: string) {
    const job = this.deps.state.jobs.get(name);
    if (!job) throw apiError('notFound', `job ${name} does not exist`);
    return job;
  }

  private async reconcile(
    workerId: string,
    attempts: Parameters<ControllerState['reconcile']>[1],
    waitMs: number | undefined,
    res: ServerResponse,
  ): Promise<ReconcileResponse> {
    const { state } = this.deps;
    let work: ReconcileResponse = state.reconcile(workerId, attempts);
    const wait = Math.min(waitMs ?? this.deps.maxWaitMs, this.deps.maxWaitMs);
    if (work.start.length === 0 && work.kill.length === 0 && wait > 0) {
      // A newer call from the same worker supersedes a held one (it carries fresher reports).
      this.reconcileWaiters.get(workerId)?.finish();
      await this.hold(
        wait,
        res,
        (w) => this.reconcileWaiters.set(workerId, w),
        (w) => {
          if (this.reconcileWaiters.get(workerId) === w) this.reconcileWaiters.delete(workerId);
        },
      );
      const worker = state.workers.get(workerId);
      work = worker ? state.workFor(worker) : { start: [], kill: [] };
    }
    // Each attempt gets its own credential (IRIS_TASK_TOKEN) for the child jobs it may start.
    for (const s of work.start) s.task_token = this.deps.taskTokens.mint(s.task_id, s.attempt);
    return work;
  }

  private async fetchLogs(
    query: { id: string; cursor?: number; limit?: number; wait_ms?: number; attempt?: number; children?: boolean },
    res: ServerResponse,
  ): Promise<{ lines: ReturnType<StateStore['readLogs']>; cursor: number }> {
    const { state, store } = this.deps;
    const { id } = query;
    const cursor = query.cursor ?? 0;
    const limit = query.limit ?? 1000;
    const wait = Math.min(query.wait_ms ?? 0, this.deps.maxWaitMs);
    let q: Parameters<StateStore['readLogs']>[0];
    let jobName: string;
    if (state.jobs.has(id)) {
      jobName = id;
      q = { job: id, cursor, limit };
      if (query.children) q.descendants = state.descendantsOf(id).map((j) => j.name);
    } else if (state.tasks.has(id)) {
      jobName = state.tasks.get(id)!.job.name;
      q = { taskId: id, cursor, limit, ...(query.attempt === undefined ? {} : { attempt: query.attempt }) };
    } else {
      throw apiError('notFound', `no job or task named ${id}`);
    }
    let lines = store.readLogs(q);
    const live = (): boolean => {
      const job = state.jobs.get(jobName);
      if (job !== undefined && !isTerminalJobState(job.state)) return true;
      return (
        q.descendants !== undefined &&
        q.descendants.some((d) => {
          const j = state.jobs.get(d);
          return j !== undefined && !isTerminalJobState(j.state);
        })
      );
    };
    if (lines.length === 0 && wait > 0 && live()) {
      await this.hold(
        wait,
        res,
        (w) => this.logWaiters.add(w),
        (w) => this.logWaiters.delete(w),
      );
      lines = store.readLogs(q);
    }
    return { lines, cursor: lines.at(-1)?.seq ?? cursor };
  }

  /** Waits until woken, the timeout passes, or the client goes away. */
  private hold(ms: number, res: ServerResponse, register: (w: Waiter) => void, unregister: (w: Waiter) => void): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const waiter: Waiter = {
        finish: () => {
          if (done) return;
          done = true;
          timer.cancel();
          res.off('close', onClose);
          unregister(waiter);
          resolve();
        },
      };
      const onClose = (): void => waiter.finish();
      const timer = this.deps.clock.setTimeout(() => waiter.finish(), ms);
      res.on('close', onClose);
      register(waiter);
    });
  }
}

function cursorNumber(cursor: string): number {
  if (!/^[0-9]{1,16}$/.test(cursor)) throw apiError('invalidRequest', 'cursor must be a value returned as next_cursor');
  return Number(cursor);
}
