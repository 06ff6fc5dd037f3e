import { isProviderError } from '@iris/core';
import { isNotFound, toProviderError } from '../api/gcp-errors.js';
import { waitForOperation } from '../api/wait-operation.js';
import type { GcpContext } from './gcp-context.js';

/** A TPU API delete that answers with a long-running operation (a node, a queued resource). */
export interface DeleteCall {
  /** For messages: `delete TPU node x`. */
  readonly action: string;
  readonly zone: string;
  /** The gcloud command that finishes the job by hand, named when the delete fails. */
  readonly byHand: string;
  start(): Promise<{ name?: string | null }>;
  progress(operationName: string): Promise<{ done?: boolean | null; error?: unknown }>;
}

/**
 * Starts a delete and waits for its operation. False when there was nothing to delete, so deleting
 * twice, or deleting what is already going, is not an error; a resource gone before the operation
 * reports done counts as deleted.
 */
export async function deleteAndWait(ctx: GcpContext, call: DeleteCall): Promise<boolean> {
  const { action, zone, byHand } = call;
  let operationName: string;
  try {
    operationName = (await call.start()).name ?? '';
  } catch (err) {
    if (isNotFound(err)) return false;
    throw toProviderError(err, { action, zone, byHand });
  }
  try {
    await waitForOperation(
      async () => {
        const op = await call.progress(operationName);
        return { done: op.done === true, error: op.error ?? undefined };
      },
      { clock: ctx.deps.clock, pollMs: ctx.operationPollMs, timeoutMs: ctx.operationTimeoutMs, action, zone },
    );
  } catch (err) {
    if (isProviderError(err)) throw err;
    if (!isNotFound(err)) throw toProviderError(err, { action, zone, byHand });
  }
  return true;
}
