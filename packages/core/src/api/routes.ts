/**
 * The controller's HTTP API as one table: method, path (`:name` is one percent-encoded segment, so
 * the job `/team/run` travels as `%2Fteam%2Frun`), who may call it, and the JSON Schema of its
 * query, body and response. The server's router and validation (controller/src/api/router.ts) and
 * the typed client (client.ts) are both derived from this table; the types of protocol.ts are
 * derived from the same schemas. To add a route: add an entry here, a handler in the controller's
 * handler map (the compiler asks for it), and a call in the contract test.
 */
import type { FromSchema, JsonSchema } from './from-schema.js';
import { API_PREFIX, JOB_STATES } from './protocol.js';
import { emptyObject, jobName, nonNegInt, openObject, pageSchema, workerId } from './schemas/common.js';
import { jobSubmitRequestSchema, jobSubmitResponseSchema, jobViewSchema, taskDetailViewSchema, taskViewSchema } from './schemas/jobs.js';
import { logFetchResponseSchema, logPushRequestSchema, logPushResponseSchema } from './schemas/logs.js';
import {
  actionViewSchema,
  blobUploadResponseSchema,
  healthResponseSchema,
  jobTreePageSchema,
  loginCodeResponseSchema,
  outputListResponseSchema,
  outputManifestRequestSchema,
  outputManifestResponseSchema,
  sessionInfoSchema,
  terminateAllResponseSchema,
} from './schemas/misc.js';
import {
  attemptEndRequestSchema,
  attemptEndResponseSchema,
  reconcileRequestSchema,
  reconcileResponseSchema,
  workerRegisterRequestSchema,
  workerRegisterResponseSchema,
  workerViewSchema,
} from './schemas/workers.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who may call a route: `open` anyone (only /health); `master` the master token only; `token` the
 * master token, or a dashboard session for GET routes; `task` also a running task's own token (IRIS_TASK_TOKEN), scoped to its job's tree;
 * `worker` also a worker's own credential (acting only as that worker); `join` also a slice's join
 * token (registration, where it is traded for the worker's credential).
 */
export type RouteAuth = 'open' | 'master' | 'token' | 'task' | 'worker' | 'join';

export interface RouteSpec {
  readonly method: HttpMethod;
  readonly path: string;
  readonly summary: string;
  readonly auth: RouteAuth;
  /** Query parameters (strings on the wire, coerced to the schema's types). */
  readonly query?: JsonSchema;
  /** A JSON body, or `bytes` for a raw stream (bundles, outputs). */
  readonly body?: JsonSchema | 'bytes';
  /** `bytes` and `text` responses are streamed by their handler. */
  readonly response: JsonSchema | 'bytes' | 'text';
  /** Success status; 200 when absent. */
  readonly status?: number;
}

const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 1_000_000 }, cursor: { type: 'string', maxLength: 64 } },
} as const;

const api = <P extends string>(path: P): `${typeof API_PREFIX}${P}` => `${API_PREFIX}${path}`;

export const routes = {
  health: { method: 'GET', path: '/health', summary: 'liveness and counts', auth: 'open', response: healthResponseSchema },
  metrics: { method: 'GET', path: '/metrics', summary: 'Prometheus metrics (text format)', auth: 'token', response: 'text' },

  submitJob: {
    method: 'POST',
    path: api('/jobs'),
    summary: 'submit a job',
    auth: 'task',
    body: jobSubmitRequestSchema,
    response: jobSubmitResponseSchema,
    status: 201,
  },
  listJobs: {
    method: 'GET',
    path: api('/jobs'),
    summary: 'jobs in submission order',
    auth: 'task',
    query: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...pageQuery.properties,
        /** Only jobs whose name starts with this. */
        prefix: { type: 'string', maxLength: 512 },
        state: { enum: JOB_STATES },
        /** Only the direct children of this job. */
        parent: jobName,
      },
    },
    response: pageSchema(jobViewSchema),
  },
  getJob: { method: 'GET', path: api('/jobs/:name'), summary: 'one job', auth: 'task', response: jobViewSchema },
  listTasks: { method: 'GET', path: api('/jobs/:name/tasks'), summary: "a job's tasks", auth: 'task', query: pageQuery, response: pageSchema(taskViewSchema) },
  killJob: {
    method: 'POST',
    path: api('/jobs/:name/kill'),
    summary: 'kill a job and its descendants',
    auth: 'task',
    body: emptyObject,
    response: jobViewSchema,
  },
  listJobOutputs: {
    method: 'GET',
    path: api('/jobs/:name/outputs'),
    summary: "files a job's tasks wrote under $IRIS_OUTPUT_DIR (the latest attempt of each task)",
    auth: 'task',
    query: { type: 'object', additionalProperties: false, properties: { task: nonNegInt } },
    response: outputListResponseSchema,
  },
  getTask: { method: 'GET', path: api('/tasks/:task_id'), summary: 'one task with its attempts', auth: 'task', response: taskDetailViewSchema },
  listActiveTasks: {
    method: 'GET',
    path: api('/tasks'),
    summary: 'tasks placed on workers and not finished',
    auth: 'token',
    query: { type: 'object', additionalProperties: false, properties: { worker: workerId, limit: { type: 'integer', minimum: 1, maximum: 10_000 } } },
    response: pageSchema(taskViewSchema),
  },
  putTaskOutputs: {
    method: 'POST',
    path: api('/tasks/:task_id/outputs'),
    summary: "record an attempt's output files (their blobs uploaded first)",
    auth: 'worker',
    body: outputManifestRequestSchema,
    response: outputManifestResponseSchema,
    status: 201,
  },

  registerWorker: {
    method: 'POST',
    path: api('/workers/register'),
    summary: 'a worker joins (a join token is traded for its own credential)',
    auth: 'join',
    body: workerRegisterRequestSchema,
    response: workerRegisterResponseSchema,
  },
  listWorkers: { method: 'GET', path: api('/workers'), summary: 'workers by id', auth: 'token', query: pageQuery, response: pageSchema(workerViewSchema) },
  reconcile: {
    method: 'POST',
    path: api('/workers/:worker_id/reconcile'),
    summary: "a worker's long-poll: its attempts' states in, attempts to start and kill out",
    auth: 'worker',
    body: reconcileRequestSchema,
    response: reconcileResponseSchema,
  },
  reportAttemptEnd: {
    method: 'POST',
    path: api('/workers/:worker_id/attempt-ends'),
    summary: "an attempt's end, straight from its supervisor (it outlives a frozen or killed worker); a repeat is a no-op",
    auth: 'worker',
    body: attemptEndRequestSchema,
    response: attemptEndResponseSchema,
  },

  revokeWorker: {
    method: 'POST',
    path: api('/workers/:worker_id/revoke'),
    summary: "revoke a worker's credentials (it stops, exit 3)",
    auth: 'master',
    body: emptyObject,
    response: { type: 'object', additionalProperties: false, required: ['worker_id', 'revoked'], properties: { worker_id: workerId, revoked: nonNegInt } },
  },

  pushLogs: {
    method: 'POST',
    path: api('/logs'),
    summary: 'a worker pushes log lines',
    auth: 'worker',
    body: logPushRequestSchema,
    response: logPushResponseSchema,
  },
  fetchLogs: {
    method: 'GET',
    path: api('/logs'),
    summary: "a job's or a task's log lines after a cursor (long-poll with wait_ms)",
    auth: 'task',
    query: {
      type: 'object',
      additionalProperties: false,
      required: ['id'],
      properties: {
        /** A job name (its own tasks) or a task id. */
        id: { type: 'string', minLength: 1, maxLength: 600 },
        /** The last `seq` already seen; 0 from the start. */
        cursor: nonNegInt,
        limit: { type: 'integer', minimum: 1, maximum: 10_000 },
        /** Hold the call up to this long when no line is newer than the cursor. */
        wait_ms: nonNegInt,
        /** Only this attempt (task ids only). */
        attempt: nonNegInt,
        /** Also the tasks of the job's descendants (job ids only). */
        children: { type: 'boolean' },
      },
    },
    response: logFetchResponseSchema,
  },

  putBundle: {
    method: 'PUT',
    path: api('/bundles/:sha256'),
    summary: 'upload a bundle under its sha256',
    auth: 'task',
    body: 'bytes',
    response: blobUploadResponseSchema,
    status: 201,
  },
  headBundle: { method: 'HEAD', path: api('/bundles/:sha256'), summary: 'does the bundle exist', auth: 'task', response: 'bytes' },
  getBundle: { method: 'GET', path: api('/bundles/:sha256'), summary: 'download a bundle', auth: 'worker', response: 'bytes' },
  putOutputBlob: {
    method: 'PUT',
    path: api('/outputs/:sha256'),
    summary: 'upload an output file under its sha256',
    auth: 'worker',
    body: 'bytes',
    response: blobUploadResponseSchema,
    status: 201,
  },
  headOutputBlob: { method: 'HEAD', path: api('/outputs/:sha256'), summary: 'does the output blob exist', auth: 'worker', response: 'bytes' },
  getOutputBlob: { method: 'GET', path: api('/outputs/:sha256'), summary: 'download an output file', auth: 'task', response: 'bytes' },

  listActions: {
    method: 'GET',
    path: api('/actions'),
    summary: 'the action log, newest first',
    auth: 'token',
    query: pageQuery,
    response: pageSchema(actionViewSchema),
  },
  autoscalerStatus: { method: 'GET', path: api('/autoscaler'), summary: "the autoscaler's groups, slices and demand", auth: 'token', response: openObject },
  autoscalerExplain: {
    method: 'GET',
    path: api('/autoscaler/explain'),
    summary: 'why each group is at its size and each demand waits',
    auth: 'token',
    response: openObject,
  },
  autoscalerTerminateAll: {
    method: 'POST',
    path: api('/autoscaler/terminate-all'),
    summary: 'stop scaling and terminate every slice the cluster owns',
    auth: 'token',
    body: emptyObject,
    response: terminateAllResponseSchema,
  },
  mintLoginCode: {
    method: 'POST',
    path: api('/login-codes'),
    summary: 'a one-time dashboard sign-in link',
    auth: 'token',
    body: emptyObject,
    response: loginCodeResponseSchema,
    status: 201,
  },
  listSessions: {
    method: 'GET',
    path: api('/sessions'),
    summary: 'dashboard sessions (iris dashboard sessions)',
    auth: 'master',
    response: { type: 'object', additionalProperties: false, required: ['items'], properties: { items: { type: 'array', items: sessionInfoSchema } } },
  },
  revokeSession: {
    method: 'DELETE',
    path: api('/sessions/:id'),
    summary: 'revoke a dashboard session by id (or unique prefix)',
    auth: 'master',
    response: { type: 'object', additionalProperties: false, required: ['revoked'], properties: { revoked: sessionInfoSchema } },
  },
  getConfig: { method: 'GET', path: api('/config'), summary: 'the resolved cluster config, secrets masked', auth: 'token', response: openObject },
  jobTree: {
    method: 'GET',
    path: api('/job-tree'),
    summary: 'the jobs view: children under parents, filtered, one page',
    auth: 'token',
    query: {
      type: 'object',
      additionalProperties: false,
      properties: {
        state: { enum: JOB_STATES },
        /** Case-insensitive substring of the job name. */
        name: { type: 'string', maxLength: 512 },
        sort: { enum: ['submitted', 'name', 'state'] },
        order: { enum: ['asc', 'desc'] },
        offset: nonNegInt,
        limit: { type: 'integer', minimum: 1, maximum: 1000 },
      },
    },
    response: jobTreePageSchema,
  },
  listHosts: {
    method: 'GET',
    path: api('/hosts'),
    summary: 'failing hosts of the platforms that report them',
    auth: 'token',
    response: { type: 'object', additionalProperties: false, required: ['items'], properties: { items: { type: 'array', items: openObject } } },
  },
} as const satisfies Record<string, RouteSpec>;

export type Routes = typeof routes;
export type RouteName = keyof Routes;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type PathParamsOf<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [K in Name]: string } & PathParamsOf<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? { [K in Name]: string }
    : {};

/** `{name: string}` for `/api/v1/jobs/:name`. */
export type RouteParams<K extends RouteName> = Simplify<PathParamsOf<Routes[K]['path']>>;
export type RouteQuery<K extends RouteName> = Routes[K] extends { query: infer Q } ? FromSchema<Q> : Record<string, never>;
export type RouteBody<K extends RouteName> = Routes[K] extends { body: infer B } ? (B extends 'bytes' ? never : FromSchema<B>) : undefined;
export type RouteResponse<K extends RouteName> = Routes[K] extends { response: infer R } ? (R extends 'bytes' | 'text' ? never : FromSchema<R>) : never;

/** Routes answered with a JSON body (the others stream bytes or text). */
export type JsonRouteName = { [K in RouteName]: Routes[K]['response'] extends 'bytes' | 'text' ? never : K }[RouteName];

/** `/api/v1/jobs/:name` with `{name: '/a/b'}` → `/api/v1/jobs/%2Fa%2Fb`. */
export function routePath(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`route ${path} needs the parameter ${name}`);
    return encodeURIComponent(value);
  });
}
