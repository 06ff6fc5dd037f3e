import { IrisError } from '@iris/core';

export const GCP_BAD_ENDPOINT = 'IRIS_GCP_BAD_ENDPOINT';

/** Connection options shared by the TPU and Compute clients, derived from `api_endpoint`. */
export interface EndpointOptions {
  apiEndpoint: string;
  port: number;
  protocol: 'http' | 'https';
  /** True for a plain-http endpoint (an emulator): calls carry no credentials. */
  anonymous: boolean;
}

/**
 * Splits `api_endpoint` into the separate host, port and protocol the client libraries take
 * (they want the host alone in `apiEndpoint`). Undefined means Google's default endpoints.
 */
export function parseApiEndpoint(endpoint: string | undefined): EndpointOptions | undefined {
  if (endpoint === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (cause) {
    throw new IrisError(GCP_BAD_ENDPOINT, `provider.api_endpoint "${endpoint}" is not a URL; write it as http(s)://host[:port]`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new IrisError(GCP_BAD_ENDPOINT, `provider.api_endpoint "${endpoint}" must start with http:// or https://`);
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return {
    apiEndpoint: url.hostname,
    port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port),
    protocol,
    anonymous: protocol === 'http',
  };
}

/**
 * An auth client that adds no credentials, for plain-http endpoints. The TPU client's gax 4 asks
 * it for request headers; the Compute client's gax calls its `fetch()`, which here is global fetch.
 */
export function anonymousAuthClient(): Record<string, unknown> {
  const client = {
    universeDomain: 'googleapis.com',
    getRequestHeaders: async () => ({}),
    getClient: async () => client,
    getProjectId: async () => 'anonymous',
    getUniverseDomain: async () => 'googleapis.com',
    fetch: (url: string | URL, init?: RequestInit) => fetch(url, init),
  };
  return client;
}
