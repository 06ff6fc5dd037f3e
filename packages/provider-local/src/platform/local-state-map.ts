import type { VmState } from '@iris/core';

/** Raw states of a local worker process, as written in its record and observed on the machine. */
export type LocalRawState = 'spawning' | 'running' | 'exited' | 'stopping';

/** The tested mapping from the local provider's raw states to Iris's normalised VmState. */
export const LOCAL_STATE_MAP: Readonly<Record<LocalRawState, VmState>> = {
  spawning: 'booting',
  running: 'ready',
  exited: 'failed',
  stopping: 'terminating',
};

export function mapLocalState(raw: string): VmState {
  return (LOCAL_STATE_MAP as Record<string, VmState>)[raw] ?? 'unknown';
}
