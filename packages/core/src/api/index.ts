// @iris/core/api: the HTTP API of the controller (protocol types and constants) and its typed client.
export * from './protocol.js';
export { IrisClient, IrisApiError } from './client.js';
export type { IrisClientOptions, PageQuery, JobListQuery, LogFetchQuery } from './client.js';
