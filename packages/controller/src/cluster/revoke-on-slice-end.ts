import type { Logger } from '@iris/core';
import type { CredentialStore } from '../auth/credential-store.js';
import type { SliceStore } from '../autoscaler/slice-store.js';
import type { StoredSlice } from '../autoscaler/types.js';

/** A slice in one of these states will never again have a worker that may call the API. */
const ENDED_STATES: ReadonlySet<string> = new Set(['terminating', 'gone', 'failed', 'preempted']);

/**
 * The autoscaler's slice store, revoking the worker credentials (and the join token) of a slice
 * when it fails, is preempted, starts terminating or its row goes away: a worker of an ended slice
 * cannot call the API again. Rows are keyed by the create request id, which the join token and the
 * credentials traded for it carry.
 */
export class RevokeOnSliceEnd implements SliceStore {
  constructor(
    private readonly inner: SliceStore,
    private readonly credentials: CredentialStore,
    private readonly logger: Logger,
  ) {}

  upsert(slice: StoredSlice): void {
    this.inner.upsert(slice);
    if (ENDED_STATES.has(slice.state)) this.revoke(slice.group, slice.requestId);
  }

  delete(group: string, requestId: string): void {
    this.inner.delete(group, requestId);
    this.revoke(group, requestId);
  }

  list(group: string): StoredSlice[] {
    return this.inner.list(group);
  }

  loadAll(): StoredSlice[] {
    return this.inner.loadAll();
  }

  private revoke(group: string, requestId: string): void {
    try {
      const revoked = this.credentials.revokeSlice(requestId);
      if (revoked > 0) this.logger.info('revoked the credentials of an ended slice', { group, requestId, workers: revoked });
    } catch (err) {
      this.logger.error('cannot revoke the credentials of an ended slice', { group, requestId, error: (err as Error).message });
    }
  }
}
