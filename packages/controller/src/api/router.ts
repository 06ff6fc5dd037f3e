import type { IncomingMessage, ServerResponse } from 'node:http';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { IrisError } from '@iris/core';
import { routes, type RouteBody, type RouteName, type RouteParams, type RouteQuery, type RouteResponse, type Routes, type RouteSpec } from '@iris/core/api';
import { apiError, sendJson } from './http-util.js';
import { readJsonBody, type JsonBodyLimits } from './json-body.js';

/** Who made a request, as authentication found it. */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'operator' }
  | { kind: 'task'; taskId: string; attempt: number; job: string }
  /** A worker's own credential: the handler refuses it acting as another worker. */
  | { kind: 'worker'; workerId: string }
  /** A slice's join token: only registration admits it. */
  | { kind: 'join'; joinToken: string };

export interface RequestContext<K extends RouteName> {
  params: RouteParams<K>;
  query: RouteQuery<K>;
  body: RouteBody<K>;
  req: IncomingMessage;
  res: ServerResponse;
  caller: Caller;
  /** The matched route's name (for metrics and logs). */
  route: K;
}

/** A JSON route's handler returns its answer; a bytes or text route writes it to `res` itself. */
type HandlerResult<K extends RouteName> = Routes[K]['response'] extends 'bytes' | 'text' ? void : RouteResponse<K>;
export type Handler<K extends RouteName> = (ctx: RequestContext<K>) => HandlerResult<K> | Promise<HandlerResult<K>>;
/** One handler per route of the table: adding a route without its handler does not compile. */
export type Handlers = { [K in RouteName]: Handler<K> };

export interface RouterOptions {
  handlers: Handlers;
  /** Decides who the caller is and whether the route admits them (throws unauthorized/forbidden). */
  authenticate(req: IncomingMessage, route: RouteSpec): Caller;
  /** What a JSON body may hold (bytes, values, depth), counted while it streams in. */
  jsonLimits: JsonBodyLimits;
  /**
   * Validate every JSON answer against its route's schema and refuse (500, naming the field) one
   * that does not match. On in tests (IRIS_VALIDATE_RESPONSES=1), so a raw row never reaches a client.
   */
  validateResponses: boolean;
}

/** Code of the 500 answered when a response does not match its schema (tests only). */
export const RESPONSE_INVALID = 'IRIS_API_RESPONSE_INVALID';

interface CompiledRoute {
  name: RouteName;
  spec: RouteSpec;
  /** Literal segments as strings, parameters as `{param}`. */
  segments: Array<string | { param: string }>;
}

const queryAjv = new Ajv({ allErrors: false, strict: false, coerceTypes: true });
const ajv = new Ajv({ allErrors: false, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

function validatorOf(schema: object, coerce: boolean): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = (coerce ? queryAjv : ajv).compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** Matches a request to the route table, authenticates it, validates its input and dispatches it. */
export class Router {
  private readonly table: CompiledRoute[];

  constructor(private readonly options: RouterOptions) {
    this.table = (Object.keys(routes) as RouteName[]).map((name) => {
      const spec: RouteSpec = routes[name];
      const segments = spec.path
        .split('/')
        .slice(1)
        .map((s) => (s.startsWith(':') ? { param: s.slice(1) } : s));
      return { name, spec, segments };
    });
  }

  /** Finds the route of `method pathname`; `undefined` when no route has that path. */
  match(method: string, pathname: string): { route: CompiledRoute; params: Record<string, string> } | 'wrong-method' | undefined {
    // Segments stay encoded until split, so a job name (`%2Fteam%2Frun`) is one segment.
    const parts = pathname.split('/').slice(1);
    let pathMatched = false;
    for (const route of this.table) {
      if (route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = route.segments[i]!;
        if (typeof seg === 'string') ok = seg === parts[i];
        else if (parts[i] === '') ok = false;
        else params[seg.param] = decodeSegment(parts[i]!);
      }
      if (!ok) continue;
      pathMatched = true;
      if (route.spec.method === method) return { route, params };
    }
    return pathMatched ? 'wrong-method' : undefined;
  }

  /** Answers the request when a route matches; false when none does. */
  async dispatch(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const method = req.method ?? 'GET';
    const found = this.match(method, url.pathname);
    if (found === undefined) return false;
    if (found === 'wrong-method') throw apiError('notFound', `no route ${method} ${url.pathname}`);
    const { route, params } = found;
    const caller = this.options.authenticate(req, route.spec);
    const query = this.query(route, url.searchParams);
    const body = await this.body(route, req);
    const ctx = { params, query, body, req, res, caller, route: route.name } as RequestContext<RouteName>;
    const handler = this.options.handlers[route.name] as Handler<RouteName>;
    const result = await handler(ctx);
    if (typeof route.spec.response !== 'object') return true;
    if (this.options.validateResponses) {
      const validate = validatorOf(route.spec.response, false);
      if (!validate(result)) {
        throw new IrisError(
          RESPONSE_INVALID,
          `${route.name} answered a body that does not match its schema: ${describeValidationError(validate.errors, 'response')}`,
        );
      }
    }
    sendJson(res, route.spec.status ?? 200, result);
    return true;
  }

  private query(route: CompiledRoute, search: URLSearchParams): unknown {
    const value: Record<string, string> = {};
    for (const [k, v] of search) if (!(k in value)) value[k] = v;
    const schema = route.spec.query;
    if (!schema) return value;
    const validate = validatorOf(schema, true);
    if (!validate(value)) throw apiError('invalidRequest', describeValidationError(validate.errors, 'query'));
    return value;
  }

  private async body(route: CompiledRoute, req: IncomingMessage): Promise<unknown> {
    const schema = route.spec.body;
    if (schema === undefined || schema === 'bytes') return undefined;
    const declared = req.headers['content-length'];
    const empty = declared === '0' || (declared === undefined && req.headers['transfer-encoding'] === undefined);
    // A body-less POST to a route whose body has no required field means `{}`.
    const value = empty && !('required' in schema) ? {} : await readJsonBody(req, this.options.jsonLimits);
    const validate = validatorOf(schema, false);
    if (!validate(value)) throw apiError('invalidRequest', describeValidationError(validate.errors, 'body'));
    return value;
  }
}

/** `body/resources/cpu must be >= 0` — the first error, with its JSON path. */
export function describeValidationError(errors: ErrorObject[] | null | undefined, root: string): string {
  const e = errors?.[0];
  if (!e) return `invalid ${root}`;
  const where = root === 'query' && e.instancePath ? `query parameter ${e.instancePath.slice(1)}` : `${root}${e.instancePath}`;
  if (e.keyword === 'additionalProperties') {
    const extra = String(e.params['additionalProperty']);
    return root === 'query' ? `unknown query parameter "${extra}"` : `${where}: unknown field "${extra}"`;
  }
  if (e.keyword === 'enum') return `${where} must be one of ${(e.params['allowedValues'] as unknown[]).join(', ')}`;
  if (e.keyword === 'required')
    return `${where === root ? root : where}: ${root === 'query' ? 'parameter' : 'field'} "${String(e.params['missingProperty'])}" is required`;
  return `${where} ${e.message ?? 'is invalid'}`;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw apiError('invalidRequest', `path segment "${s.slice(0, 100)}" is not valid percent-encoding`);
  }
}
