import { IrisError } from '../errors.js';
import {
  API_ERROR_CODES,
  API_PREFIX,
  type ActionView,
  type BundleUploadResponse,
  type HealthResponse,
  type JobState,
  type JobSubmitRequest,
  type JobSubmitResponse,
  type JobView,
  type LogFetchResponse,
  type LogLine,
  type LogPushResponse,
  type Page,
  type ReconcileRequest,
  type ReconcileResponse,
  type TaskDetailView,
  type TaskView,
  type WorkerRegisterRequest,
  type WorkerRegisterResponse,
  type WorkerView,
} from './protocol.js';

/** An error answered by the controller (or the failure to reach it), with the API's code and HTTP status. */
export class IrisApiError extends IrisError {
  /** HTTP status; 0 when the controller could not be reached. */
  readonly status: number;

  constructor(code: string, message: string, status: number, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'IrisApiError';
    this.status = status;
  }
}

export interface IrisClientOptions {
  /** e.g. `http://127.0.0.1:4321` (no trailing path). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`; never logged or put in an error. */
  token?: string;
  /** Replaceable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface PageQuery {
  limit?: number;
  cursor?: string;
}

export interface JobListQuery extends PageQuery {
  /** Only jobs whose name starts with this. */
  prefix?: string;
  state?: JobState;
}

export interface LogFetchQuery {
  /** A job name (all its tasks) or a task id. */
  id: string;
  /** The last `seq` already seen; 0 from the start. */
  cursor?: number;
  limit?: number;
  /** Long-poll: hold the call up to this long when no line is newer than the cursor. */
  wait_ms?: number;
  /** Only this attempt (task ids only). */
  attempt?: number;
}

/**
 * A typed client for every endpoint of the controller API, shared by the CLI, the worker and the
 * dashboard. Every failure is an IrisApiError carrying the API's stable code.
 */
export class IrisClient {
  private readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(options: IrisClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  get url(): string {
    return this.baseUrl;
  }

  health(): Promise<HealthResponse> {
    return this.json('GET', '/health', undefined, { prefix: false });
  }

  submitJob(request: JobSubmitRequest): Promise<JobSubmitResponse> {
    return this.json('POST', '/jobs', request);
  }

  listJobs(query: JobListQuery = {}): Promise<Page<JobView>> {
    return this.json('GET', `/jobs${queryString({ ...query })}`);
  }

  getJob(name: string): Promise<JobView> {
    return this.json('GET', `/jobs/${encodeURIComponent(name)}`);
  }

  listTasks(job: string, query: PageQuery = {}): Promise<Page<TaskView>> {
    return this.json('GET', `/jobs/${encodeURIComponent(job)}/tasks${queryString({ ...query })}`);
  }

  killJob(name: string): Promise<JobView> {
    return this.json('POST', `/jobs/${encodeURIComponent(name)}/kill`, {});
  }

  getTask(taskId: string): Promise<TaskDetailView> {
    return this.json('GET', `/tasks/${encodeURIComponent(taskId)}`);
  }

  registerWorker(request: WorkerRegisterRequest): Promise<WorkerRegisterResponse> {
    return this.json('POST', '/workers/register', request);
  }

  listWorkers(query: PageQuery = {}): Promise<Page<WorkerView>> {
    return this.json('GET', `/workers${queryString({ ...query })}`);
  }

  /** Long-poll: returns at once when there is work for the worker, else after about `wait_ms`. */
  reconcile(workerId: string, request: ReconcileRequest, signal?: AbortSignal): Promise<ReconcileResponse> {
    return this.json('POST', `/workers/${encodeURIComponent(workerId)}/reconcile`, request, { signal });
  }

  pushLogs(workerId: string, lines: LogLine[]): Promise<LogPushResponse> {
    return this.json('POST', '/logs', { worker_id: workerId, lines });
  }

  fetchLogs(query: LogFetchQuery, signal?: AbortSignal): Promise<LogFetchResponse> {
    return this.json('GET', `/logs${queryString({ ...query })}`, undefined, { signal });
  }

  /** Uploads a bundle under its sha256 (hex); the controller verifies the hash. */
  uploadBundle(sha256: string, bytes: Uint8Array): Promise<BundleUploadResponse> {
    return this.request('PUT', `/bundles/${encodeURIComponent(sha256)}`, bytes, 'application/octet-stream').then(
      (res) => res.json() as Promise<BundleUploadResponse>,
    );
  }

  async hasBundle(sha256: string): Promise<boolean> {
    try {
      await this.request('HEAD', `/bundles/${encodeURIComponent(sha256)}`);
      return true;
    } catch (err) {
      if (err instanceof IrisApiError && err.status === 404) return false;
      throw err;
    }
  }

  async downloadBundle(sha256: string): Promise<Uint8Array> {
    const res = await this.request('GET', `/bundles/${encodeURIComponent(sha256)}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  listActions(query: PageQuery = {}): Promise<Page<ActionView>> {
    return this.json('GET', `/actions${queryString({ ...query })}`);
  }

  /**
   * The autoscaler's state: groups, slices and VMs, demand, backoff, routing and recent actions.
   * Its shape is the controller's `AutoscalerStatus`; core does not know the controller's types.
   */
  autoscalerStatus<T = Record<string, unknown>>(): Promise<T> {
    return this.json('GET', '/autoscaler');
  }

  /**
   * Stops the autoscaler and terminates every slice and labelled VM the cluster owns (`iris stop`);
   * resolves with how many slices (and unaccounted-for labelled VMs) it terminated.
   */
  autoscalerTerminateAll(): Promise<{ slices: number; orphans: number }> {
    return this.json('POST', '/autoscaler/terminate-all', {});
  }

  /** Why each group is at its size and why each pending demand entry waits (`AutoscalerExplanation`). */
  autoscalerExplain<T = Record<string, unknown>>(): Promise<T> {
    return this.json('GET', '/autoscaler/explain');
  }

  private async json<T>(
    method: string,
    path: string,
    body?: unknown,
    options: { prefix?: boolean; signal?: AbortSignal | undefined } = {},
  ): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const res = await this.request(method, path, payload, 'application/json', options);
    return (await res.json()) as T;
  }

  private async request(
    method: string,
    path: string,
    body?: string | Uint8Array,
    contentType?: string,
    options: { prefix?: boolean; signal?: AbortSignal | undefined } = {},
  ): Promise<Response> {
    const url = `${this.baseUrl}${options.prefix === false ? '' : API_PREFIX}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined && contentType) headers['content-type'] = contentType;
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    let res: Response;
    try {
      const init: RequestInit = { method, headers };
      if (body !== undefined) init.body = body;
      if (options.signal) init.signal = options.signal;
      res = await this.fetchImpl(url, init);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new IrisApiError(
        API_ERROR_CODES.unreachable,
        `cannot reach the controller at ${this.baseUrl} (${method} ${path}): ${(err as Error).message}. Is it running?`,
        0,
        { cause: err },
      );
    }
    if (res.ok) return res;
    throw await errorFromResponse(res, method, path);
  }
}

async function errorFromResponse(res: Response, method: string, path: string): Promise<IrisApiError> {
  let code: string = API_ERROR_CODES.unreachable;
  let message = `${method} ${path} answered HTTP ${res.status}`;
  const text = method === 'HEAD' ? '' : await res.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof parsed.code === 'string') code = parsed.code;
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    if (res.status === 404) code = API_ERROR_CODES.notFound;
    else if (res.status === 401) code = API_ERROR_CODES.unauthorized;
  }
  return new IrisApiError(code, message, res.status);
}

function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
