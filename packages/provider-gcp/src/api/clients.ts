import { DisksClient, InstancesClient, ZoneOperationsClient } from '@google-cloud/compute';
import { v2 } from '@google-cloud/tpu';
import { anonymousAuthClient, parseApiEndpoint } from './endpoint.js';
import { EndpointReachability } from './reachability.js';

export type TpuClient = InstanceType<typeof v2.TpuClient>;

/** Client options for one endpoint: Google's defaults, or host/port/protocol of an override. */
function clientOptions(apiEndpoint: string | undefined): Record<string, unknown> {
  const endpoint = parseApiEndpoint(apiEndpoint);
  if (!endpoint) return { fallback: true };
  return {
    // REST transport: the emulator (and any proxy) speaks HTTP/JSON, not gRPC.
    fallback: true,
    apiEndpoint: endpoint.apiEndpoint,
    port: endpoint.port,
    protocol: endpoint.protocol,
    ...(endpoint.anonymous ? { auth: anonymousAuthClient() } : {}),
  };
}

export interface ClientOptions {
  /** The clock that times how long a never-reached endpoint has been refusing connections. */
  now?: () => number;
}

export function createTpuClient(apiEndpoint: string | undefined, options: ClientOptions = {}): TpuClient {
  const reachability = new EndpointReachability(apiEndpoint ?? 'https://tpu.googleapis.com', options.now ?? Date.now);
  return authenticatedFirst(new v2.TpuClient(clientOptions(apiEndpoint) as ConstructorParameters<typeof v2.TpuClient>[0]), reachability);
}

/**
 * The client with every call waiting for its authenticated stub first. Without credentials the
 * generated clients throw the auth error from inside a callback, where no caller can catch it, and
 * the process dies; awaiting `initialize()` turns it into a rejection the caller maps to an `auth`
 * ProviderError ("run gcloud auth application-default login"). Every call's outcome also tells
 * `reachability` whether the endpoint answers, so a wrong endpoint fails fast (reachability.ts).
 */
function authenticatedFirst<T extends { initialize(): Promise<unknown> }>(client: T, reachability: EndpointReachability): T {
  let ready: Promise<unknown> | undefined;
  return new Proxy(client, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (prop === 'close') {
        // A client that never authenticated has nothing to close; its close() rethrows the auth error.
        return async () => {
          try {
            await method.apply(target);
          } catch {
            /* nothing was open */
          }
        };
      }
      if (prop === 'initialize' || typeof prop !== 'string' || /Path$|^match/.test(prop)) return method.bind(target);
      return async (...args: unknown[]) => {
        await (ready ??= target.initialize());
        try {
          const result = await method.apply(target, args);
          reachability.succeeded();
          return result;
        } catch (err) {
          throw reachability.failed(err);
        }
      };
    },
  });
}

export interface ComputeClients {
  instances: InstancesClient;
  disks: DisksClient;
  zoneOperations: ZoneOperationsClient;
  close(): Promise<void>;
}

export function createComputeClients(apiEndpoint: string | undefined, clientOpts: ClientOptions = {}): ComputeClients {
  const options = clientOptions(apiEndpoint) as ConstructorParameters<typeof InstancesClient>[0];
  // One endpoint behind the three clients: what one learns about it holds for all.
  const reachability = new EndpointReachability(apiEndpoint ?? 'https://compute.googleapis.com', clientOpts.now ?? Date.now);
  const instances = authenticatedFirst(new InstancesClient(options), reachability);
  const disks = authenticatedFirst(new DisksClient(options as ConstructorParameters<typeof DisksClient>[0]), reachability);
  const zoneOperations = authenticatedFirst(new ZoneOperationsClient(options as ConstructorParameters<typeof ZoneOperationsClient>[0]), reachability);
  return {
    instances,
    disks,
    zoneOperations,
    close: async () => {
      await Promise.all([instances.close(), disks.close(), zoneOperations.close()]);
    },
  };
}
