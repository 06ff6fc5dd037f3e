import type { VmState } from '@iris/core';

/** Raw states of a worker on a manual host, as recorded and as observed over SSH. */
export type ManualRawState = 'bootstrapping' | 'retrying' | 'running' | 'exited' | 'unreachable' | 'failed' | 'stopping';

/** The tested mapping from the manual provider's raw states to Iris's normalised VmState. */
export const MANUAL_STATE_MAP: Readonly<Record<ManualRawState, VmState>> = {
  bootstrapping: 'initializing',
  retrying: 'initializing',
  running: 'ready',
  exited: 'failed',
  unreachable: 'unknown',
  failed: 'failed',
  stopping: 'terminating',
};

export function mapManualState(raw: string): VmState {
  return (MANUAL_STATE_MAP as Record<string, VmState>)[raw] ?? 'unknown';
}
