import { createHash } from 'node:crypto';
import { aggregateSliceState, LABEL_REQUEST, sanitizeLabelValue, type SliceInfo, type VmInfo } from '@iris/core';
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

/**
 * A TPU node as an Iris slice: one VM per network endpoint. While the node is being created it has
 * no endpoints yet; it then shows `expectedHosts` VMs without addresses.
 */
export function nodeToSlice(node: TpuNodeView, group: string, expectedHosts: number, nowMs: number): SliceInfo {
  const { zone, nodeId } = parseNodeName(node.name ?? '');
  const labels = { ...(node.labels ?? {}) };
  const rawState = tpuStateName(node.state);
  const state = mapTpuState(node.state);
  const createdAtMs = timestampMs(node.createTime, nowMs);
  const endpoints = node.networkEndpoints ?? [];
  const addresses = endpoints.length > 0 ? endpoints.map((e) => e?.ipAddress ?? '') : Array.from({ length: expectedHosts }, () => '');
  const vms: VmInfo[] = addresses.map((address, i) => ({
    vmId: tpuVmId(nodeId, i),
    address,
    zone,
    labels,
    state,
    rawState,
    createdAtMs,
  }));
  const requestId = labels[LABEL_REQUEST];
  return {
    sliceId: nodeId,
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
