import { sanitizeLabelValue } from '@iris/core';
import type { ComputeClients } from '../api/clients.js';
import { isNotFound, toProviderError } from '../api/gcp-errors.js';

/** The name of a cluster's state disk: `iris-state-<cluster>`, a valid GCE resource name. */
export function stateDiskName(clusterName: string): string {
  const clean = sanitizeLabelValue(clusterName).replace(/_/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  return `iris-state-${clean}`.slice(0, 63).replace(/-+$/, '');
}

export interface DiskPlace {
  compute: ComputeClients;
  project: string;
  zone: string;
}

/**
 * Makes sure the state disk exists, creating an empty one the first time. An existing disk is
 * left as it is: it holds the cluster's jobs, and the VM that mounts it formats it only when it has
 * no filesystem. Returns whether it was created.
 */
export async function ensureStateDisk(
  place: DiskPlace,
  disk: { name: string; sizeGb: number; labels: Record<string, string> },
  waitZoneOperation: (operation: string, action: string) => Promise<void>,
): Promise<boolean> {
  const { compute, project, zone } = place;
  try {
    await compute.disks.get({ project, zone, disk: disk.name });
    return false;
  } catch (err) {
    if (!isNotFound(err)) throw toProviderError(err, { action: `look up the state disk ${disk.name}`, zone });
  }
  const action = `create the state disk ${disk.name}`;
  try {
    const [operation] = await compute.disks.insert({
      project,
      zone,
      diskResource: { name: disk.name, sizeGb: String(disk.sizeGb), type: `zones/${zone}/diskTypes/pd-balanced`, labels: disk.labels },
    });
    await waitZoneOperation(operationName(operation), action);
  } catch (err) {
    throw (err as { code?: unknown }).code === 'IRIS_PROVIDER_ERROR' ? err : toProviderError(err, { action, zone });
  }
  return true;
}

/** A Compute ExtendedOperation names its operation in `latestResponse.name` (its `name` is the id). */
export function operationName(operation: unknown): string {
  const latest = (operation as { latestResponse?: { name?: unknown } }).latestResponse;
  return typeof latest?.name === 'string' ? latest.name : String((operation as { name?: unknown }).name);
}
