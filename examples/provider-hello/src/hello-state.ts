import type { VmState } from '@iris/core';

/** What the hello provider observes about one worker process. */
export type HelloRawState = 'launching' | 'running' | 'exited' | 'stopping';

/** The provider's state table: every raw state it reports, normalised. */
export const HELLO_STATE_MAP: Readonly<Record<HelloRawState, VmState>> = {
  launching: 'booting',
  running: 'ready',
  exited: 'failed',
  stopping: 'terminating',
};

export function mapHelloState(raw: string): VmState {
  return (HELLO_STATE_MAP as Record<string, VmState>)[raw] ?? 'unknown';
}
