/** Normalised lifecycle of one VM, whatever the provider calls it. */
export const VM_STATES = ['requesting', 'booting', 'initializing', 'ready', 'preempted', 'failed', 'terminating', 'terminated', 'unknown'] as const;
export type VmState = (typeof VM_STATES)[number];

export function isVmState(value: unknown): value is VmState {
  return typeof value === 'string' && (VM_STATES as readonly string[]).includes(value);
}

/** States from which a VM never comes back. */
export function isTerminalVmState(state: VmState): boolean {
  return state === 'preempted' || state === 'failed' || state === 'terminated';
}

/** Identity and connectivity only; provider-specific metadata stays inside the provider. */
export interface VmInfo {
  vmId: string;
  /** Address workers and SSH use (IP or host name); empty while the provider has none yet. */
  address: string;
  zone?: string;
  labels: Readonly<Record<string, string>>;
  state: VmState;
  /** The provider's own state string, kept beside the normalised one for operators. */
  rawState?: string;
  createdAtMs: number;
  /** Human-readable bootstrap phase while initializing (e.g. "pulling image"). */
  initPhase?: string;
}

/** `slice_size` VMs created and destroyed as one unit (a multi-host TPU slice). */
export interface SliceInfo {
  sliceId: string;
  /** The scale group that owns the slice. */
  group: string;
  zone?: string;
  labels: Readonly<Record<string, string>>;
  /** Aggregate state: the least advanced of its VMs, or terminal when any VM is lost. */
  state: VmState;
  rawState?: string;
  vms: VmInfo[];
  createdAtMs: number;
  /** The idempotency key the slice was created with, when the provider can recall it. */
  requestId?: string;
}

export interface ContainerSpec {
  image: string;
  entrypoint: string[];
  env: Readonly<Record<string, string>>;
  ports: Readonly<Record<string, number>>;
  healthPort?: number;
}

export interface VmBootstrapSpec {
  role: 'controller' | 'worker';
  container?: ContainerSpec;
  labels: Readonly<Record<string, string>>;
  bootstrapScript?: string;
  providerOverrides: Readonly<Record<string, unknown>>;
}

/** Order of VM states from least to most advanced, for aggregating a slice. */
const PROGRESS: Record<VmState, number> = {
  requesting: 0,
  booting: 1,
  initializing: 2,
  ready: 3,
  unknown: -1,
  terminating: 10,
  terminated: 11,
  preempted: 12,
  failed: 13,
};

/**
 * A slice is only as ready as its least ready VM; any lost VM makes the whole slice lost, because a
 * multi-host slice cannot run with a host missing.
 */
export function aggregateSliceState(states: readonly VmState[]): VmState {
  if (states.length === 0) return 'unknown';
  for (const terminal of ['preempted', 'failed', 'terminated', 'terminating'] as const) {
    if (states.includes(terminal)) return terminal;
  }
  if (states.includes('unknown')) return 'unknown';
  let least: VmState = 'ready';
  for (const s of states) if (PROGRESS[s] < PROGRESS[least]) least = s;
  return least;
}
