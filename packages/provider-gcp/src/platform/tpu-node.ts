import { createHash } from 'node:crypto';
import { aggregateSliceState, LABEL_REQUEST, sanitizeLabelValue, type SliceInfo, type VmInfo, type VmState } from '@iris/core';
import { mapTpuState, tpuStateName } from './tpu-state.js';

/** The fields of a TPU v2 `Node` (as the client returns it) that Iris reads. */
export interface TpuNodeView {
  name?: string | null;
  state?: unknown;
  labels?: Record<string, string> | null;
  networkEndpoints?: ({ ipAddress?: string | null } | null)[] | null;
  createTime?: unknown;
}

/**
 * The node id a create request maps to, so a retried create finds the node of the first attempt.
 * TPU node ids allow lowercase letters, digits and dashes, start with a letter, at most 63 chars.
 */
export function tpuNodeId(clusterName: string, group: string, requestId: string): string {
  const digest = createHash('sha256').update(requestId).digest('hex').slice(0, 10);
  const clean = (s: string): string => sanitizeLabelValue(s).replace(/_/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  const prefix = `${clean(clusterName)}-${clean(group)}`
    .replace(/^-+/, '')
    .slice(0, 63 - digest.length - 1)
    .replace(/-+$/, '');
  const id = `${prefix}-${digest}`;
  return /^[a-z]/.test(id) ? id : `i${id}`.slice(0, 63);
}

/** `projects/p/locations/z/nodes/n` → `{zone: z, nodeId: n}`. */
export function parseNodeName(name: string): { zone: string; nodeId: string } {
  const m = /locations\/([^/]+)\/nodes\/([^/]+)$/.exec(name);
  return { zone: m?.[1] ?? '', nodeId: m?.[2] ?? name };
}

export function nodeParent(project: string, zone: string): string {
  return `projects/${project}/locations/${zone}`;
}

/** A protobuf Timestamp as the client decodes it ({seconds, nanos}) or as an RFC 3339 string. */
export function timestampMs(value: unknown, fallback: number): number {
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? fallback : ms;
  }
  if (typeof value === 'object' && value !== null) {
    const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
    const ms = Number(seconds ?? 0) * 1000 + Math.floor(Number(nanos ?? 0) / 1e6);
    return Number.isFinite(ms) && ms > 0 ? ms : fallback;
  }
  return fallback;
}

/** The VM id of host `index` of a node, as the worker bootstrap script derives it too. */
export function tpuVmId(nodeId: string, index: number): string {
  return `${nodeId}-w-${index}`;
}

/** What one TPU slice (a node, or a queued resource before its node) shows as an Iris slice. */
export interface TpuSliceParts {
  readonly id: string;
  readonly group: string;
  readonly zone: string;
  readonly labels: Record<string, string>;
  readonly state: VmState;
  readonly rawState: string;
  readonly createdAtMs: number;
  /** One per host; empty strings while the hosts have no addresses yet. */
  readonly addresses: readonly string[];
  readonly initPhase?: string;
}

/** One VM per host address, the slice's state aggregated from them, its request id from the labels. */
export function tpuSlice(p: TpuSliceParts): SliceInfo {
  const { id, group, zone, labels, state, rawState, createdAtMs } = p;
  const phase = p.initPhase !== undefined ? { initPhase: p.initPhase } : {};
  const vms: VmInfo[] = p.addresses.map((address, i) => ({ vmId: tpuVmId(id, i), address, zone, labels, state, rawState, createdAtMs, ...phase }));
  const requestId = labels[LABEL_REQUEST];
  return {
    sliceId: id,
    group,
    zone,
    labels,
    state: aggregateSliceState(vms.map((v) => v.state)),
    rawState,
    vms,
    createdAtMs,
    ...(requestId !== undefined ? { requestId } : {}),
  };
}

/**
 * A TPU node as an Iris slice: one VM per network endpoint. While the node is being created it has
 * no endpoints yet; it then shows `expectedHosts` VMs without addresses.
 */
export function nodeToSlice(node: TpuNodeView, group: string, expectedHosts: number, nowMs: number): SliceInfo {
  const { zone, nodeId } = parseNodeName(node.name ?? '');
  const endpoints = node.networkEndpoints ?? [];
  return tpuSlice({
    id: nodeId,
    group,
    zone,
    labels: { ...(node.labels ?? {}) },
    state: mapTpuState(node.state),
    rawState: tpuStateName(node.state),
    createdAtMs: timestampMs(node.createTime, nowMs),
    addresses: endpoints.length > 0 ? endpoints.map((e) => e?.ipAddress ?? '') : Array.from({ length: expectedHosts }, () => ''),
  });
}
