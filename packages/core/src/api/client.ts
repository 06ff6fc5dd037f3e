import { IrisError } from '../errors.js';
import {
  API_ERROR_CODES,
  type ActionView,
  type AttemptEndRequest,
  type AttemptEndResponse,
  type BundleUploadResponse,
  type HealthResponse,
  type JobState,
  type JobSubmitRequest,
  type JobSubmitResponse,
  type JobView,
  type LogFetchResponse,
  type LogLine,
  type LogPushResponse,
  type OutputListResponse,
  type OutputManifestRequest,
  type Page,
  type ReconcileRequest,
  type ReconcileResponse,
  type TaskDetailView,
  type TaskView,
  type WorkerRegisterRequest,
  type WorkerRegisterResponse,
  type WorkerView,
} from './protocol.js';
import { routePath, routes, type JsonRouteName, type RouteBody, type RouteName, type RouteParams, type RouteQuery, type RouteResponse } from './routes.js';

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
  /** Only the direct children of this job. */
  parent?: string;
}

export type LogFetchQuery = RouteQuery<'fetchLogs'>;

/** What a call of a route takes: its path parameters, query and body, each only when it has them. */
export type RouteInput<K extends RouteName> = ({} extends RouteParams<K> ? { params?: RouteParams<K> } : { params: RouteParams<K> }) & {
  query?: RouteQuery<K>;
} & (RouteBody<K> extends undefined ? { body?: undefined } : { body: RouteBody<K> });

type RawInput = { params?: Record<string, string>; query?: Record<string, unknown> };

interface RequestOptions {
  signal?: AbortSignal | undefined;
}

/**
 * A typed client for every route of the table in routes.ts, shared by the CLI, the worker and the
 * dashboard's tests. `call(name, input)` reaches any JSON route; the named methods are the common
 * calls. Every failure is an IrisApiError carrying the API's stable code.
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

  /** Calls a JSON route of the table; the input and the answer are typed by the route's schemas. */
  async call<K extends JsonRouteName>(name: K, input: RouteInput<K> = {} as RouteInput<K>, options: RequestOptions = {}): Promise<RouteResponse<K>> {
    const route = routes[name];
    const body = 'body' in route ? JSON.stringify(input.body ?? {}) : undefined;
    const res = await this.request(name, input as RawInput, body, body === undefined ? undefined : 'application/json', options);
    return (await res.json()) as RouteResponse<K>;
  }

  health(): Promise<HealthResponse> {
    return this.call('health');
  }

  /** The Prometheus text of GET /metrics. */
  async metrics(): Promise<string> {
    return (await this.request('metrics', {})).text();
  }

  submitJob(request: JobSubmitRequest): Promise<JobSubmitResponse> {
    return this.call('submitJob', { body: request });
  }

  listJobs(query: JobListQuery = {}): Promise<Page<JobView>> {
    return this.call('listJobs', { query });
  }

  getJob(name: string): Promise<JobView> {
    return this.call('getJob', { params: { name } });
  }

  listTasks(job: string, query: PageQuery = {}): Promise<Page<TaskView>> {
    return this.call('listTasks', { params: { name: job }, query });
  }

  killJob(name: string): Promise<JobView> {
    return this.call('killJob', { params: { name }, body: {} });
  }

  getTask(taskId: string): Promise<TaskDetailView> {
    return this.call('getTask', { params: { task_id: taskId } });
  }

  registerWorker(request: WorkerRegisterRequest): Promise<WorkerRegisterResponse> {
    return this.call('registerWorker', { body: request });
  }

  listWorkers(query: PageQuery = {}): Promise<Page<WorkerView>> {
    return this.call('listWorkers', { query });
  }

  /** Long-poll: returns at once when there is work for the worker, else after about `wait_ms`. */
  reconcile(workerId: string, request: ReconcileRequest, signal?: AbortSignal): Promise<ReconcileResponse> {
    return this.call('reconcile', { params: { worker_id: workerId }, body: request }, { signal });
  }

  /** An attempt's end, reported apart from the reconcile (by the attempt's supervisor); a repeat is a no-op. */
  reportAttemptEnd(workerId: string, end: AttemptEndRequest, signal?: AbortSignal): Promise<AttemptEndResponse> {
    return this.call('reportAttemptEnd', { params: { worker_id: workerId }, body: end }, { signal });
  }

  pushLogs(workerId: string, lines: LogLine[]): Promise<LogPushResponse> {
    return this.call('pushLogs', { body: { worker_id: workerId, lines } });
  }

  fetchLogs(query: LogFetchQuery, signal?: AbortSignal): Promise<LogFetchResponse> {
    return this.call('fetchLogs', { query }, { signal });
  }

  /** Uploads a bundle under its sha256 (hex); the controller verifies the hash. */
  async uploadBundle(sha256: string, bytes: Uint8Array | ReadableStream<Uint8Array>): Promise<BundleUploadResponse> {
    const res = await this.request('putBundle', { params: { sha256 } }, bytes, 'application/octet-stream');
    return (await res.json()) as BundleUploadResponse;
  }

  hasBundle(sha256: string): Promise<boolean> {
    return this.exists('headBundle', sha256);
  }

  async downloadBundle(sha256: string): Promise<Uint8Array> {
    const res = await this.request('getBundle', { params: { sha256 } });
    return new Uint8Array(await res.arrayBuffer());
  }

  /** Uploads one output file under its sha256 (streamed when given a stream). */
  async uploadOutput(sha256: string, bytes: Uint8Array | ReadableStream<Uint8Array>, sizeBytes?: number): Promise<BundleUploadResponse> {
    const res = await this.request('putOutputBlob', { params: { sha256 } }, bytes, 'application/octet-stream', {}, sizeBytes);
    return (await res.json()) as BundleUploadResponse;
  }

  hasOutput(sha256: string): Promise<boolean> {
    return this.exists('headOutputBlob', sha256);
  }

  /** The response of GET /outputs/{sha256}, to stream its body. */
  downloadOutput(sha256: string, signal?: AbortSignal): Promise<Response> {
    return this.request('getOutputBlob', { params: { sha256 } }, undefined, undefined, { signal });
  }

  recordOutputs(taskId: string, manifest: OutputManifestRequest): Promise<{ files: number; size_bytes: number }> {
    return this.call('putTaskOutputs', { params: { task_id: taskId }, body: manifest });
  }

  listOutputs(job: string, task?: number): Promise<OutputListResponse> {
    return this.call('listJobOutputs', { params: { name: job }, query: task === undefined ? {} : { task } });
  }

  listActions(query: PageQuery = {}): Promise<Page<ActionView>> {
    return this.call('listActions', { query });
  }

  /**
   * The autoscaler's state: groups, slices and VMs, demand, backoff, routing and recent actions.
   * Its shape is the controller's `AutoscalerStatus`; core does not know the controller's types.
   */
  autoscalerStatus<T = Record<string, unknown>>(): Promise<T> {
    return this.call('autoscalerStatus') as Promise<T>;
  }

  /**
   * Stops the autoscaler and terminates every slice and labelled VM the cluster owns (`iris stop`);
   * resolves with how many slices (and unaccounted-for labelled VMs) it terminated.
   */
  autoscalerTerminateAll(): Promise<{ slices: number; orphans: number }> {
    return this.call('autoscalerTerminateAll', { body: {} });
  }

  /** Why each group is at its size and why each pending demand entry waits (`AutoscalerExplanation`). */
  autoscalerExplain<T = Record<string, unknown>>(): Promise<T> {
    return this.call('autoscalerExplain') as Promise<T>;
  }

  private async exists(name: 'headBundle' | 'headOutputBlob', sha256: string): Promise<boolean> {
    try {
      await this.request(name, { params: { sha256 } });
      return true;
    } catch (err) {
      if (err instanceof IrisApiError && err.status === 404) return false;
      throw err;
    }
  }

  private async request(
    name: RouteName,
    input: RawInput,
    body?: string | Uint8Array | ReadableStream<Uint8Array>,
    contentType?: string,
    options: RequestOptions = {},
    contentLength?: number,
  ): Promise<Response> {
    const route = routes[name];
    const path = `${routePath(route.path, input.params ?? {})}${queryString(input.query ?? {})}`;
    const url = `${this.baseUrl}${path}`;
    const method = route.method;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined && contentType) headers['content-type'] = contentType;
    if (contentLength !== undefined) headers['content-length'] = String(contentLength);
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    let res: Response;
    try {
      const init: RequestInit & { duplex?: 'half' } = { method, headers };
      if (body !== undefined) init.body = body;
      // A streamed body needs half-duplex in Node's fetch.
      if (body instanceof ReadableStream) init.duplex = 'half';
      if (options.signal) init.signal = options.signal;
      res = await this.fetchImpl(url, init);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new IrisApiError(
        API_ERROR_CODES.unreachable,
        `cannot reach the controller at ${this.baseUrl} (${method} ${route.path}): ${(err as Error).message}. Is it running?`,
        0,
        { cause: err },
      );
    }
    if (res.ok) return res;
    throw await errorFromResponse(res, method, route.path);
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

function queryString(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
