import type { VmState } from '@iris/core';

/**
 * Raw states of a worker on a manual host, as recorded and as observed over SSH. `ssh_failing`: the
 * worker was running and SSH to its host now fails; SSH is a side channel, so the VM stays ready
 * and the controller judges the worker by its heartbeats.
 */
export type ManualRawState = 'bootstrapping' | 'retrying' | 'running' | 'ssh_failing' | 'exited' | 'failed' | 'stopping';

/** The tested mapping from the manual provider's raw states to Iris's normalised VmState. */
export const MANUAL_STATE_MAP: Readonly<Record<ManualRawState, VmState>> = {
  bootstrapping: 'initializing',
  retrying: 'initializing',
  running: 'ready',
  exited: 'failed',
  ssh_failing: 'ready',
  failed: 'failed',
  stopping: 'terminating',
};

export function mapManualState(raw: string): VmState {
  return (MANUAL_STATE_MAP as Record<string, VmState>)[raw] ?? 'unknown';
}
