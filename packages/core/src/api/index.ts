// @iris/core/api: the HTTP API of the controller (protocol types and constants) and its typed client.
export * from './protocol.js';
export { IrisClient, IrisApiError } from './client.js';
export type { IrisClientOptions, PageQuery, JobListQuery, LogFetchQuery, RouteInput } from './client.js';
export { routes, routePath } from './routes.js';
export type { HttpMethod, JsonRouteName, RouteAuth, RouteBody, RouteName, RouteParams, RouteQuery, RouteResponse, Routes, RouteSpec } from './routes.js';
export type { FromSchema } from './from-schema.js';
