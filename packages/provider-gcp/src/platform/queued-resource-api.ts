import { isProviderError } from '@iris/core';
import { isAlreadyExists, isNotFound, toProviderError } from '../api/gcp-errors.js';
import { waitForOperation } from '../api/wait-operation.js';
import { deleteAndWait } from './delete-and-wait.js';
import type { GcpContext } from './gcp-context.js';
import type { QueuedResourceView } from './queued-resource.js';
import { nodeParent } from './tpu-node.js';

/** The TPU v2 QueuedResources calls, each mapped to a ProviderError like the node calls. */

export function queuedResourceName(project: string, zone: string, id: string): string {
  return `${nodeParent(project, zone)}/queuedResources/${id}`;
}

function deleteByHand(ctx: GcpContext, zone: string, id: string): string {
  return `gcloud compute tpus queued-resources delete ${id} --zone ${zone} --project ${ctx.config.project_id} --force --quiet`;
}

export async function listQueuedResources(ctx: GcpContext, zone: string): Promise<QueuedResourceView[]> {
  try {
    const [resources] = await ctx.tpu.listQueuedResources({ parent: nodeParent(ctx.config.project_id, zone) });
    return resources as QueuedResourceView[];
  } catch (err) {
    throw toProviderError(err, { action: 'list TPU queued resources', zone });
  }
}

/** The queued resource, or undefined when the zone has none of that id. */
export async function getQueuedResource(ctx: GcpContext, zone: string, id: string): Promise<QueuedResourceView | undefined> {
  try {
    const [qr] = await ctx.tpu.getQueuedResource({ name: queuedResourceName(ctx.config.project_id, zone, id) });
    return qr as QueuedResourceView;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw toProviderError(err, { action: `get TPU queued resource ${id}`, zone });
  }
}

/**
 * Creates the queued resource and waits for GCP to accept it (not for its node: that can take hours
 * in the queue). False when a create of the same id got there first, which is the same request.
 */
export async function createQueuedResource(ctx: GcpContext, zone: string, id: string, body: Record<string, unknown>): Promise<boolean> {
  const parent = nodeParent(ctx.config.project_id, zone);
  const action = `create TPU queued resource ${id}`;
  await ctx.createLimiter.acquire();
  let operationName: string;
  try {
    const [operation] = await ctx.tpu.createQueuedResource({ parent, queuedResourceId: id, queuedResource: body });
    operationName = operation.name ?? '';
  } catch (err) {
    if (isAlreadyExists(err)) return false;
    throw toProviderError(err, { action, zone });
  }
  try {
    await waitForOperation(
      async () => {
        const op = await ctx.tpu.checkCreateQueuedResourceProgress(operationName);
        return { done: op.done === true, error: op.error ?? undefined };
      },
      { clock: ctx.deps.clock, pollMs: ctx.operationPollMs, timeoutMs: ctx.operationTimeoutMs, action, zone },
    );
  } catch (err) {
    if (isProviderError(err)) throw err;
    throw toProviderError(err, { action, zone });
  }
  return true;
}

/**
 * Deletes a queued resource with `force`, which deletes its node too, and waits for it. False when
 * the zone has no such queued resource, so deleting twice is not an error.
 */
export async function deleteQueuedResource(ctx: GcpContext, zone: string, id: string): Promise<boolean> {
  return deleteAndWait(ctx, {
    action: `delete TPU queued resource ${id}`,
    zone,
    byHand: deleteByHand(ctx, zone, id),
    start: async () => (await ctx.tpu.deleteQueuedResource({ name: queuedResourceName(ctx.config.project_id, zone, id), force: true }))[0],
    progress: (operationName) => ctx.tpu.checkDeleteQueuedResourceProgress(operationName),
  });
}
