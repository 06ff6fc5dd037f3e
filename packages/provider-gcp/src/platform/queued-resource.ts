import { type SliceInfo, type VmState } from '@iris/core';
import type { GcpCapacityPlan } from '../capacity.js';
import { nodeToSlice, timestampMs, tpuSlice, type TpuNodeView } from './tpu-node.js';

/** The fields of a TPU v2 `QueuedResource` (as the client returns it) that Iris reads. */
export interface QueuedResourceView {
  name?: string | null;
  createTime?: unknown;
  state?: {
    state?: unknown;
    failedData?: { error?: { code?: number | null; message?: string | null } | null } | null;
  } | null;
  tpu?: {
    nodeSpec?:
      | ({ parent?: string | null; nodeId?: string | null; node?: { labels?: Record<string, string> | null; acceleratorType?: string | null } | null } | null)[]
      | null;
  } | null;
  reservationName?: string | null;
}

/** `QueuedResourceState.State` by number (index = enum value), as an operation's result may carry it. */
export const QUEUED_STATE_NAMES = [
  'STATE_UNSPECIFIED',
  'CREATING',
  'ACCEPTED',
  'PROVISIONING',
  'FAILED',
  'DELETING',
  'ACTIVE',
  'SUSPENDING',
  'SUSPENDED',
  'WAITING_FOR_RESOURCES',
] as const;
export type QueuedStateName = (typeof QUEUED_STATE_NAMES)[number];

/**
 * The tested mapping from a queued resource's state to Iris's VmState. While GCP holds the request
 * (accepted, waiting in the queue, provisioning) its VMs are `requesting`; once ACTIVE the node's
 * own state speaks (`node`). SUSPENDING/SUSPENDED is GCP taking the capacity back: preempted.
 */
export const QUEUED_STATE_MAP: Readonly<Record<QueuedStateName, VmState | 'node'>> = {
  STATE_UNSPECIFIED: 'unknown',
  CREATING: 'requesting',
  ACCEPTED: 'requesting',
  WAITING_FOR_RESOURCES: 'requesting',
  PROVISIONING: 'requesting',
  ACTIVE: 'node',
  FAILED: 'failed',
  DELETING: 'terminating',
  SUSPENDING: 'preempted',
  SUSPENDED: 'preempted',
};

export function queuedStateName(raw: unknown): string {
  if (typeof raw === 'number') return QUEUED_STATE_NAMES[raw] ?? `STATE_${raw}`;
  if (typeof raw === 'string' && raw !== '') return raw;
  return 'STATE_UNSPECIFIED';
}

/** `projects/p/locations/z/queuedResources/q` → `{zone: z, id: q}`. */
export function parseQueuedName(name: string): { zone: string; id: string } {
  const m = /locations\/([^/]+)\/queuedResources\/([^/]+)$/.exec(name);
  return { zone: m?.[1] ?? '', id: m?.[2] ?? name };
}

/** The node a queued resource asks for: the full name it has (or will have) once provisioned. */
export function queuedNodeName(qr: QueuedResourceView): string | undefined {
  const spec = qr.tpu?.nodeSpec?.[0];
  if (!spec?.nodeId) return undefined;
  const parent = spec.parent ?? (qr.name ?? '').replace(/\/queuedResources\/[^/]+$/, '');
  return `${parent}/nodes/${spec.nodeId}`;
}

/** The labels of the node a queued resource asks for (a queued resource has none of its own). */
export function queuedLabels(qr: QueuedResourceView): Record<string, string> {
  return { ...(qr.tpu?.nodeSpec?.[0]?.node?.labels ?? {}) };
}

/**
 * The request body of a queued resource that creates `node` as `nodeId` in `zone`. Spot capacity is
 * the queued resource's `spot` tier; reserved capacity stays the node's `schedulingConfig.reserved`
 * (the v2 `guaranteed` tier has no `reserved` flag: that was v2alpha1); a named reservation is the
 * queued resource's `reservationName`.
 */
export function queuedResourceBody(parent: string, nodeId: string, node: Record<string, unknown>, plan: GcpCapacityPlan): Record<string, unknown> {
  return {
    tpu: { nodeSpec: [{ parent, nodeId, node }] },
    ...(plan.capacity === 'spot' ? { spot: {} } : {}),
    ...(plan.reservation !== undefined ? { reservationName: plan.reservation } : {}),
  };
}

/** What explain shows for a slice still in GCP's queue (a VM's boot phase while it has none). */
export function queuedPhase(state: string): string {
  return `queued resource ${state}`;
}

/**
 * A queued resource as an Iris slice. Once ACTIVE with its node, the slice is the node's (its state,
 * addresses, boot phases). Before that it shows `expectedHosts` VMs without addresses in the
 * mapped state, the queue state as rawState and as each VM's phase (so `iris autoscaler explain`
 * says "queued resource WAITING_FOR_RESOURCES"); FAILED carries GCP's reason in rawState.
 */
export function queuedToSlice(qr: QueuedResourceView, node: TpuNodeView | undefined, group: string, expectedHosts: number, nowMs: number): SliceInfo {
  const { zone, id } = parseQueuedName(qr.name ?? '');
  const stateName = queuedStateName(qr.state?.state);
  const mapped = (QUEUED_STATE_MAP as Record<string, VmState | 'node'>)[stateName] ?? 'unknown';
  if (mapped === 'node' && node) return nodeToSlice(node, group, expectedHosts, nowMs);
  const state: VmState = mapped === 'node' ? 'booting' : mapped;
  const reason = qr.state?.failedData?.error?.message;
  const rawState = stateName === 'FAILED' && reason ? `FAILED: ${reason}` : stateName;
  const endpoints = node?.networkEndpoints ?? [];
  return tpuSlice({
    id,
    group,
    zone,
    labels: queuedLabels(qr),
    state,
    rawState,
    createdAtMs: timestampMs(qr.createTime, nowMs),
    addresses: endpoints.length > 0 ? endpoints.map((e) => e?.ipAddress ?? '') : Array.from({ length: Math.max(1, expectedHosts) }, () => ''),
    ...(state === 'requesting' ? { initPhase: queuedPhase(stateName) } : {}),
  });
}
