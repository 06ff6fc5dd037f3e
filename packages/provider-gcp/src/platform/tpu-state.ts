import type { VmState } from '@iris/core';

/**
 * TPU v2 `Node.State` by number, as long-running-operation results carry it (get and list return
 * the names). Index = enum value.
 */
export const TPU_NODE_STATE_NAMES = [
  'STATE_UNSPECIFIED',
  'CREATING',
  'READY',
  'RESTARTING',
  'REIMAGING',
  'DELETING',
  'REPAIRING',
  'STOPPED',
  'STOPPING',
  'STARTING',
  'PREEMPTED',
  'TERMINATED',
  'HIDING',
  'HIDDEN',
  'UNHIDING',
  'UNKNOWN',
] as const;
export type TpuNodeStateName = (typeof TPU_NODE_STATE_NAMES)[number];

/**
 * The tested mapping from a TPU node's state to Iris's VmState. A node that is READY has booted,
 * but its worker may still be starting: `ready` here means "the VM is up"; registration is the
 * controller's business. STOPPED/STOPPING count as terminating: a stopped slice runs nothing and
 * Iris never restarts one, it replaces it. HIDDEN/HIDING are maintenance states where the node is
 * gone from the user's view.
 */
export const TPU_STATE_MAP: Readonly<Record<TpuNodeStateName, VmState>> = {
  STATE_UNSPECIFIED: 'unknown',
  CREATING: 'booting',
  READY: 'ready',
  RESTARTING: 'booting',
  REIMAGING: 'booting',
  DELETING: 'terminating',
  REPAIRING: 'initializing',
  STOPPED: 'terminated',
  STOPPING: 'terminating',
  STARTING: 'booting',
  PREEMPTED: 'preempted',
  TERMINATED: 'terminated',
  HIDING: 'terminating',
  HIDDEN: 'terminated',
  UNHIDING: 'booting',
  UNKNOWN: 'unknown',
};

/** The state's name whether the client handed it over as a name or as an enum number. */
export function tpuStateName(raw: unknown): string {
  if (typeof raw === 'number') return TPU_NODE_STATE_NAMES[raw] ?? `STATE_${raw}`;
  if (typeof raw === 'string' && raw !== '') return raw;
  return 'STATE_UNSPECIFIED';
}

export function mapTpuState(raw: unknown): VmState {
  return (TPU_STATE_MAP as Record<string, VmState>)[tpuStateName(raw)] ?? 'unknown';
}
