import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, type Logger } from '@iris/core';
import {
  API_PREFIX,
  isTerminalJobState,
  isTerminalTaskState,
  JOB_STATES,
  type HealthResponse,
  type JobState,
  type JobSubmitRequest,
  type LogPushRequest,
  type Page,
  type ReconcileRequest,
  type ReconcileResponse,
  type WorkerRegisterRequest,
} from '@iris/core/api';
import type { ControllerState } from '../state/controller-state.js';
import { jobView, taskView, workerView } from '../state/views.js';
import type { StateStore } from '../store/state-store.js';
import type { BundleStore } from './bundles.js';
import { isAuthorized } from './auth.js';
import { apiError, intParam, pageParams, readJson, sendError, sendJson } from './http-util.js';
import { describeValidationError, validators } from './schemas.js';
import type { ValidateFunction } from 'ajv';
import type { DashboardRoutes } from '../dashboard/dashboard-routes.js';
import type { LoginCodes } from '../dashboard/login-codes.js';
import { sessionOf } from '../dashboard/session-cookie.js';
import type { SessionStore } from '../dashboard/sessions.js';
import { jobTree, JOB_TREE_SORTS, type JobTreeSort } from '../dashboard/job-tree.js';

export interface ApiDeps {
  state: ControllerState;
  store: StateStore;
  bundles: BundleStore;
  token: string;
  clock: Clock;
  logger: Logger;
  /** Longest a reconcile or log fetch is held open. */
  maxWaitMs: number;
  workerTimeoutMs: number;
  maxBodyBytes: number;
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

/**
 * The `/api/v1` routes over node:http. Bodies are validated by JSON Schema before anything changes;
 * mutating and worker calls need the token.
 */
export class ApiServer {
  private readonly reconcileWaiters = new Map<string, Waiter>();
  private readonly logWaiters = new Set<Waiter>();

  constructor(private readonly deps: ApiDeps) {}

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
    this.route(req, res).catch((err: unknown) => {
      if ((err as { code?: string })?.code === undefined || !String((err as { code?: string }).code).startsWith('IRIS_API')) {
        this.deps.logger.error('request failed', { method: req.method, path: req.url?.split('?')[0], error: (err as Error)?.message });
      }
      sendError(res, err);
    });
  };

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://controller');
    const method = req.method ?? 'GET';
    if (url.pathname === '/health' && method === 'GET') {
      const body: HealthResponse = { status: 'ok', workers: this.deps.state.workers.size, jobs: this.deps.state.jobs.size };
      sendJson(res, 200, body);
      return;
    }
    if (this.deps.dashboard?.handle(req, res, url)) return;
    if (!url.pathname.startsWith(`${API_PREFIX}/`)) throw apiError('notFound', `no route ${method} ${url.pathname}`);
    // Segments stay encoded until split, so a job name (`%2Fteam%2Frun`) is one segment.
    const parts = url.pathname.slice(API_PREFIX.length + 1).split('/').map(decodeSegment);
    const q = url.searchParams;
    const [resource, id, action] = parts;
    const fixed = resource === 'workers' && id === 'register' && action === undefined;
    const key = fixed
      ? `${method} workers/register`
      : `${method} ${resource ?? ''}${id === undefined ? '' : '/:id'}${action === undefined ? '' : `/${action}`}`;
    if (parts.length > 3) throw apiError('notFound', `no route ${method} ${url.pathname}`);
    // Every API route needs the token (header), or for reads a dashboard session; only /health is open.
    const bearer = isAuthorized(req.headers, this.deps.token);
    const session = !bearer && method === 'GET' && this.deps.sessions !== undefined && sessionOf(req.headers, this.deps.sessions) !== undefined;
    if (!bearer && !session) {
      throw apiError(
        'unauthorized',
        'missing or wrong token: send "Authorization: Bearer <token>" (the token is in the state dir file "token"), or sign in to the dashboard with the link `iris dashboard` prints',
      );
    }
    const { state } = this.deps;
    switch (key) {
      case 'POST jobs': {
        const body = await this.body<JobSubmitRequest>(req, validators.jobSubmit);
        const job = state.submitJob(body);
        sendJson(res, 201, { job: jobView(job) });
        return;
      }
      case 'GET jobs':
        sendJson(res, 200, this.listJobs(q));
        return;
      case 'GET jobs/:id':
        sendJson(res, 200, jobView(this.job(id!)));
        return;
      case 'GET jobs/:id/tasks': {
        const job = this.job(id!);
        const { limit, cursor } = pageParams(q);
        const from = cursor === undefined ? 0 : cursorNumber(cursor);
        const items = job.tasks.slice(from, from + limit).map(taskView);
        const page: Page<unknown> = { items };
        if (from + limit < job.tasks.length) page.next_cursor = String(from + limit);
        sendJson(res, 200, page);
        return;
      }
      case 'POST jobs/:id/kill': {
        await this.body(req, validators.empty, true);
        sendJson(res, 200, jobView(state.killJob(id!)));
        return;
      }
      case 'GET tasks/:id': {
        const t = state.tasks.get(id!);
        if (!t) throw apiError('notFound', `task ${id} does not exist`);
        sendJson(res, 200, { ...taskView(t), attempts: this.deps.store.attemptsOf(t.taskId) });
        return;
      }
      case 'POST workers/register': {
        const body = await this.body<WorkerRegisterRequest>(req, validators.workerRegister);
        const w = state.registerWorker(body);
        sendJson(res, 200, { worker_id: w.workerId, worker_timeout_ms: this.deps.workerTimeoutMs, reconcile_wait_ms: this.deps.maxWaitMs });
        return;
      }
      case 'GET autoscaler':
      case 'GET autoscaler/:id': {
        const view = this.deps.autoscaler.current;
        if (!view) throw apiError('notFound', 'this controller runs no autoscaler (it was started without a cluster file)');
        if (id === undefined) sendJson(res, 200, view.status());
        else if (id === 'explain') sendJson(res, 200, view.explain());
        else throw apiError('notFound', `no route ${method} ${url.pathname}`);
        return;
      }
      case 'POST autoscaler/:id': {
        await this.body(req, validators.empty, true);
        const view = this.deps.autoscaler.current;
        if (id !== 'terminate-all' || !view?.terminateAll) throw apiError('notFound', `no route ${method} ${url.pathname}`);
        sendJson(res, 200, await view.terminateAll());
        return;
      }
      case 'GET workers': {
        const { limit, cursor } = pageParams(q);
        const ids = [...state.workers.keys()].sort();
        const start = cursor === undefined ? 0 : ids.findIndex((w) => w > cursor);
        const slice = start < 0 ? [] : ids.slice(start, start + limit);
        const page: Page<unknown> = { items: slice.map((w) => workerView(state.workers.get(w)!)) };
        if (start >= 0 && start + limit < ids.length) page.next_cursor = slice.at(-1)!;
        sendJson(res, 200, page);
        return;
      }
      case 'POST workers/:id/reconcile': {
        const body = await this.body<ReconcileRequest>(req, validators.reconcile);
        await this.reconcile(id!, body, res);
        return;
      }
      case 'POST logs': {
        const body = await this.body<LogPushRequest>(req, validators.logPush);
        const accepted = state.acceptLogs(body.worker_id, body.lines);
        for (const w of [...this.logWaiters]) w.finish();
        sendJson(res, 200, { accepted });
        return;
      }
      case 'GET logs':
        await this.fetchLogs(q, res);
        return;
      case 'PUT bundles/:id':
        sendJson(res, 201, await this.deps.bundles.put(id!, req));
        return;
      case 'HEAD bundles/:id':
      case 'GET bundles/:id':
        this.deps.bundles.send(id!, res, method === 'HEAD');
        return;
      case 'GET actions': {
        const { limit, cursor } = pageParams(q, 1000, 50);
        const before = cursor === undefined ? Number.MAX_SAFE_INTEGER : cursorNumber(cursor);
        const items = this.deps.store.listActions(before, limit);
        const page: Page<unknown> = { items };
        if (items.length === limit) page.next_cursor = String(items.at(-1)!.seq);
        sendJson(res, 200, page);
        return;
      }
      case 'POST login-codes': {
        await this.body(req, validators.empty, true);
        if (!this.deps.loginCodes) throw apiError('notFound', 'this controller serves no dashboard');
        const { code, expiresAtMs } = this.deps.loginCodes.mint();
        sendJson(res, 201, { code, expires_at_ms: expiresAtMs, path: `/dashboard/login?code=${encodeURIComponent(code)}` });
        return;
      }
      case 'GET sessions':
      case 'DELETE sessions/:id': {
        // Only the token holder manages sessions: a signed-in browser cannot list or revoke them.
        if (!bearer) throw apiError('unauthorized', 'dashboard sessions are managed with the cluster token (iris dashboard sessions)');
        const sessions = this.deps.sessions;
        if (!sessions) throw apiError('notFound', 'this controller serves no dashboard');
        if (id === undefined) {
          sendJson(res, 200, { items: sessions.list() });
          return;
        }
        const revoked = sessions.revoke(id);
        if (!revoked) throw apiError('notFound', `no dashboard session ${id} (iris dashboard sessions lists them)`);
        sendJson(res, 200, { revoked });
        return;
      }
      case 'GET config': {
        const current = this.deps.config?.current;
        if (current === undefined) throw apiError('notFound', 'this controller was started without a cluster file, so it has no config to show');
        sendJson(res, 200, current);
        return;
      }
      case 'GET tasks': {
        // Tasks placed on workers and not finished (the dashboard's "running tasks" of each worker).
        const worker = q.get('worker');
        const { limit } = pageParams(q, 10_000, 1000);
        const items = [];
        for (const t of state.tasks.values()) {
          if (t.state === 'PENDING' || isTerminalTaskState(t.state)) continue;
          if (worker !== null && t.workerId !== worker) continue;
          if (items.length === limit) break;
          items.push(taskView(t));
        }
        sendJson(res, 200, { items } satisfies Page<unknown>);
        return;
      }
      case 'GET job-tree':
        sendJson(res, 200, this.jobTree(q));
        return;
      case 'GET hosts':
        sendJson(res, 200, { items: this.deps.autoscaler.current?.hostReports?.() ?? [] });
        return;
      default:
        throw apiError('notFound', `no route ${method} ${url.pathname}`);
    }
  }

  private async body<T>(req: IncomingMessage, validate: ValidateFunction, allowEmpty = false): Promise<T> {
    const hasBody = Number(req.headers['content-length'] ?? '1') > 0;
    const value = allowEmpty && !hasBody ? {} : await readJson(req, this.deps.maxBodyBytes);
    if (!validate(value)) throw apiError('invalidRequest', describeValidationError(validate.errors));
    return value as T;
  }

  private job(name: string) {
    const job = this.deps.state.jobs.get(name);
    if (!job) throw apiError('notFound', `job ${name} does not exist`);
    return job;
  }

  private listJobs(q: URLSearchParams): Page<unknown> {
    const { limit, cursor } = pageParams(q);
    const after = cursor === undefined ? 0 : cursorNumber(cursor);
    const prefix = q.get('prefix') ?? '';
    const stateFilter = q.get('state');
    if (stateFilter !== null && !(JOB_STATES as readonly string[]).includes(stateFilter)) {
      throw apiError('invalidRequest', `state must be one of ${JOB_STATES.join(', ')}`);
    }
    const items = [];
    let more = false;
    for (const job of this.deps.state.jobs.values()) {
      if (job.seq <= after || !job.name.startsWith(prefix)) continue;
      if (stateFilter !== null && job.state !== (stateFilter as JobState)) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push(job);
    }
    const page: Page<unknown> = { items: items.map(jobView) };
    if (more) page.next_cursor = String(items.at(-1)!.seq);
    return page;
  }

  private jobTree(q: URLSearchParams): ReturnType<typeof jobTree> {
    const stateFilter = q.get('state') || undefined;
    if (stateFilter !== undefined && !(JOB_STATES as readonly string[]).includes(stateFilter)) {
      throw apiError('invalidRequest', `state must be one of ${JOB_STATES.join(', ')}`);
    }
    const sort = q.get('sort') ?? 'submitted';
    if (!(JOB_TREE_SORTS as readonly string[]).includes(sort)) throw apiError('invalidRequest', `sort must be one of ${JOB_TREE_SORTS.join(', ')}`);
    const order = q.get('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw apiError('invalidRequest', 'order must be asc or desc');
    const name = q.get('name') ?? undefined;
    return jobTree(this.deps.state.jobs.values(), {
      ...(stateFilter === undefined ? {} : { state: stateFilter as JobState }),
      ...(name === undefined ? {} : { name }),
      sort: sort as JobTreeSort,
      descending: order === 'desc',
      offset: intParam(q, 'offset', 0),
      limit: intParam(q, 'limit', 100, 1000) || 100,
    });
  }

  private async reconcile(workerId: string, body: ReconcileRequest, res: ServerResponse): Promise<void> {
    const { state } = this.deps;
    let work: ReconcileResponse = state.reconcile(workerId, body.attempts);
    const wait = Math.min(body.wait_ms ?? this.deps.maxWaitMs, this.deps.maxWaitMs);
    if (work.start.length === 0 && work.kill.length === 0 && wait > 0) {
      // A newer call from the same worker supersedes a held one (it carries fresher reports).
      this.reconcileWaiters.get(workerId)?.finish();
      await this.hold(wait, res, (w) => this.reconcileWaiters.set(workerId, w), (w) => {
        if (this.reconcileWaiters.get(workerId) === w) this.reconcileWaiters.delete(workerId);
      });
      const worker = state.workers.get(workerId);
      work = worker ? state.workFor(worker) : { start: [], kill: [] };
    }
    sendJson(res, 200, work);
  }

  private async fetchLogs(q: URLSearchParams, res: ServerResponse): Promise<void> {
    const id = q.get('id');
    if (!id) throw apiError('invalidRequest', 'id (a job name or task id) is required');
    const cursor = intParam(q, 'cursor', 0);
    const limit = intParam(q, 'limit', 1000, 10000) || 1000;
    const wait = Math.min(intParam(q, 'wait_ms', 0), this.deps.maxWaitMs);
    const attemptRaw = q.get('attempt');
    const attempt = attemptRaw === null ? undefined : intParam(q, 'attempt', 0);
    const { state, store } = this.deps;
    let query: Parameters<StateStore['readLogs']>[0];
    if (state.tasks.has(id)) query = { taskId: id, cursor, limit, ...(attempt === undefined ? {} : { attempt }) };
    else if (state.jobs.has(id)) query = { job: id, cursor, limit };
    else throw apiError('notFound', `no job or task named ${id}`);
    let lines = store.readLogs(query);
    const live = (): boolean => {
      const job = state.jobs.get(query.job ?? state.tasks.get(query.taskId!)?.job.name ?? '');
      return job !== undefined && !isTerminalJobState(job.state);
    };
    if (lines.length === 0 && wait > 0 && live()) {
      await this.hold(wait, res, (w) => this.logWaiters.add(w), (w) => this.logWaiters.delete(w));
      lines = store.readLogs(query);
    }
    sendJson(res, 200, { lines, cursor: lines.at(-1)?.seq ?? cursor });
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

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw apiError('invalidRequest', `path segment "${s.slice(0, 100)}" is not valid percent-encoding`);
  }
}

function cursorNumber(cursor: string): number {
  if (!/^[0-9]{1,16}$/.test(cursor)) throw apiError('invalidRequest', 'cursor must be a value returned as next_cursor');
  return Number(cursor);
}
