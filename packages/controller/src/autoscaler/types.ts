import type { AcceleratorType } from '@iris/core';
import type { SliceState } from './slice-lifecycle.js';

/** Per-VM resources a demand entry needs (bytes for ram and disk). */
export interface DemandResources {
  readonly cpu: number;
  readonly ram: number;
  readonly disk: number;
  /** Accelerators per VM (GPUs or TPU chips), compared with the group's gpu_count / tpu_count. */
  readonly accelerator_count: number;
}

export const CONSTRAINT_OPS = ['eq', 'ne', 'exists', 'not_exists', 'gt', 'ge', 'lt', 'le'] as const;
export type ConstraintOp = (typeof CONSTRAINT_OPS)[number];

/** A constraint on a worker attribute; routing checks it against the group's advertised attributes. */
export interface DemandConstraint {
  readonly key: string;
  readonly op: ConstraintOp;
  readonly value?: string;
}

/**
 * One unit of pending work: a single task, or a whole gang (which needs one slice of exactly
 * `gang_size` VMs). Each routed entry consumes one whole slice; tasks are not packed together.
 */
export interface DemandEntry {
  readonly id: string;
  readonly resources: DemandResources;
  readonly accelerator_type: AcceleratorType;
  /** Required variant (e.g. `v5litepod-16`); absent means any variant of the type. */
  readonly accelerator_variant?: string;
  /** true/false pins the group's preemptibility; absent accepts either. */
  readonly preemptible?: boolean;
  /** Tasks placed together on one slice; 1 for a plain task. */
  readonly gang_size: number;
  readonly constraints?: readonly DemandConstraint[];
}

/** What the controller knows of one registered worker. */
export interface WorkerLiveness {
  readonly lastHeartbeatMs: number;
  readonly runningTasks: number;
}

/**
 * Registered workers keyed by worker id, which providers set to the VM id (a snapshot keyed by VM
 * address is matched too); the autoscaler's only view of worker health.
 */
export type WorkerSnapshot = ReadonlyMap<string, WorkerLiveness>;

/**
 * A slice as the autoscaler persists it, keyed by (group, requestId). A `requesting` row exists
 * before the provider answers, so a controller that dies mid-create re-issues the same idempotent
 * request instead of creating a second slice; `sliceId` arrives with the provider's answer.
 */
export interface StoredSlice {
  readonly group: string;
  /** The create request id (a label on every VM); for an adopted slice without one, its slice id. */
  readonly requestId: string;
  /** Provider slice id; absent while the create call has not returned. */
  readonly sliceId?: string;
  readonly zone?: string;
  readonly state: SliceState;
  readonly createdAtMs: number;
  /** When the worker of every VM had first registered. */
  readonly readyAtMs?: number;
  /** Last time any of its workers ran a task (or readiness, when it never ran one). */
  readonly lastActiveMs?: number;
  /** Reaping deadline: startup_grace from creation, extended by heartbeats. */
  readonly livenessDeadlineMs: number;
}

/** Routing-visible condition of a group, highest precedence first. */
export const GROUP_AVAILABILITIES = ['unavailable', 'quota', 'stockout', 'backoff', 'requesting', 'at_capacity', 'available'] as const;
export type GroupAvailability = (typeof GROUP_AVAILABILITIES)[number];

export const UNMET_REASON_CODES = [
  'no_matching_group',
  'gang_size_mismatch',
  'insufficient_resources',
  'constraints_unsatisfied',
  'no_capacity',
  'held_back_by_limit',
] as const;
export type UnmetReasonCode = (typeof UNMET_REASON_CODES)[number];

export interface UnmetReason {
  readonly code: UnmetReasonCode;
  readonly message: string;
}

export const ACTION_TYPES = [
  'scale_up',
  'scale_up_completed',
  'scale_up_failed',
  'scale_down',
  'failed_cleanup',
  'liveness_reap',
  'worker_failed',
  'requesting_timeout',
  'backoff',
  'quota_exceeded',
  'stockout',
  'rate_limited',
  'unavailable',
  'adopt',
  'orphan_terminate',
  'terminate_all',
  'terminate_failed',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** One autoscaler decision with the reason it was taken. */
export interface AutoscalerAction {
  readonly seq: number;
  readonly atMs: number;
  readonly type: ActionType;
  readonly group: string;
  readonly sliceId?: string;
  readonly reason: string;
}
