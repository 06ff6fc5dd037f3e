export * from './protocol.js';
export { IrisClient, IrisApiError } from './client.js';
export type { IrisClientOptions, PageQuery, JobListQuery, LogFetchQuery } from './client.js';
