import { DisksClient, InstancesClient, ZoneOperationsClient } from '@google-cloud/compute';
import { v2 } from '@google-cloud/tpu';
import { anonymousAuthClient, parseApiEndpoint } from './endpoint.js';

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

export function createTpuClient(apiEndpoint: string | undefined): TpuClient {
  return authenticatedFirst(new v2.TpuClient(clientOptions(apiEndpoint) as ConstructorParameters<typeof v2.TpuClient>[0]));
}

/**
 * The client with every call waiting for its authenticated stub first. Without credentials the
 * generated clients throw the auth error from inside a callback, where no caller can catch it, and
 * the process dies; awaiting `initialize()` turns it into a rejection the caller maps to an `auth`
 * ProviderError ("run gcloud auth application-default login").
 */
function authenticatedFirst<T extends { initialize(): Promise<unknown> }>(client: T): T {
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
        return method.apply(target, args);
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

export function createComputeClients(apiEndpoint: string | undefined): ComputeClients {
  const options = clientOptions(apiEndpoint) as ConstructorParameters<typeof InstancesClient>[0];
  const instances = authenticatedFirst(new InstancesClient(options));
  const disks = authenticatedFirst(new DisksClient(options as ConstructorParameters<typeof DisksClient>[0]));
  const zoneOperations = authenticatedFirst(new ZoneOperationsClient(options as ConstructorParameters<typeof ZoneOperationsClient>[0]));
  return {
    instances,
    disks,
    zoneOperations,
    close: async () => {
      await Promise.all([instances.close(), disks.close(), zoneOperations.close()]);
    },
  };
}
