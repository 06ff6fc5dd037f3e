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
  return new v2.TpuClient(clientOptions(apiEndpoint) as ConstructorParameters<typeof v2.TpuClient>[0]);
}

export interface ComputeClients {
  instances: InstancesClient;
  disks: DisksClient;
  zoneOperations: ZoneOperationsClient;
  close(): Promise<void>;
}

export function createComputeClients(apiEndpoint: string | undefined): ComputeClients {
  const options = clientOptions(apiEndpoint) as ConstructorParameters<typeof InstancesClient>[0];
  const instances = new InstancesClient(options);
  const disks = new DisksClient(options as ConstructorParameters<typeof DisksClient>[0]);
  const zoneOperations = new ZoneOperationsClient(options as ConstructorParameters<typeof ZoneOperationsClient>[0]);
  return {
    instances,
    disks,
    zoneOperations,
    close: async () => {
      await Promise.all([instances.close(), disks.close(), zoneOperations.close()]);
    },
  };
}
