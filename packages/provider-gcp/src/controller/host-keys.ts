import type { ComputeClients } from '../api/clients.js';
import { isNotFound, toProviderError } from '../api/gcp-errors.js';

/**
 * The SSH host keys a GCE VM's guest agent publishes in its guest attributes (`hostkeys/<type>`),
 * as raw key blobs: what `gcloud compute ssh` pins too. Empty while the VM has not published them.
 */
export async function publishedHostKeys(compute: ComputeClients, project: string, zone: string, instance: string): Promise<Buffer[]> {
  return (await guestAttributes(compute, project, zone, instance, 'hostkeys/')).flatMap(({ value }) => {
    // The value is the base64 blob, sometimes preceded by the key type.
    const blob = value.trim().split(/\s+/).pop() ?? '';
    return blob === '' ? [] : [Buffer.from(blob, 'base64')];
  });
}

/** The VM's guest attributes under a namespace path such as `hostkeys/` or `iris/`. */
export async function guestAttributes(
  compute: ComputeClients,
  project: string,
  zone: string,
  instance: string,
  queryPath: string,
): Promise<{ key: string; value: string }[]> {
  try {
    const [answer] = await compute.instances.getGuestAttributes({ project, zone, instance, queryPath });
    return (answer.queryValue?.items ?? []).flatMap((i) => (i.key && typeof i.value === 'string' ? [{ key: i.key, value: i.value }] : []));
  } catch (err) {
    // No attribute under the path yet is a 404, not a failure.
    if (isNotFound(err)) return [];
    throw toProviderError(err, { action: `read guest attributes ${queryPath} of ${instance}`, zone });
  }
}
