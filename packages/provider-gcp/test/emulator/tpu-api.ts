import { randomUUID } from 'node:crypto';
import type { FaultBook } from './faults.js';
import { faultReply } from './faults.js';
import { alreadyExists, notFound, ReplyError, type GoogleErrorReply } from './http-json.js';

export interface EmulatedNode {
  name: string;
  acceleratorType: string;
  runtimeVersion: string;
  state: string;
  labels: Record<string, string>;
  metadata: Record<string, string>;
  networkConfig?: Record<string, unknown>;
  schedulingConfig?: Record<string, unknown>;
  serviceAccount?: Record<string, unknown>;
  networkEndpoints: { ipAddress: string; port: number }[];
  createTime: string;
}

interface PendingOperation {
  name: string;
  pollsLeft: number;
  /** Runs once, when the operation completes: its result or error. */
  finish: () => { response?: Record<string, unknown>; error?: GoogleErrorReply };
  done?: { response?: Record<string, unknown>; error?: GoogleErrorReply };
}

const GRPC_CODES: Record<string, number> = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
};

/** VMs per node of a variant; single-host unless the variant is one of the emulated pod sizes. */
const HOSTS_BY_VARIANT: Record<string, number> = {
  'v5litepod-16': 4,
  'v5litepod-32': 8,
  'v4-16': 2,
  'v4-32': 4,
  'v5p-16': 2,
  'v6e-16': 4,
};

/** Told when a node's VMs come up or go away, so a test can play the VMs (see TpuVmPlayer). */
export interface NodeLifecycleListener {
  ready(node: EmulatedNode): void;
  gone(node: EmulatedNode, why: 'deleted' | 'preempted'): void;
}

export const EMULATED_ACCELERATOR_TYPES = ['v4-8', 'v4-16', 'v4-32', 'v5litepod-4', 'v5litepod-16', 'v5litepod-32', 'v5p-8', 'v6e-8'];

/** The TPU v2 REST API's nodes, operations and accelerator types, in memory. */
export class TpuApi {
  readonly nodes = new Map<string, EmulatedNode>();
  private readonly operations = new Map<string, PendingOperation>();
  private nextIp = 1;
  /** Operation polls before a long-running operation reports done. */
  operationPolls = 1;
  /** Node ids whose next create loses a race: another caller creates the node first. */
  readonly racedCreates = new Set<string>();
  /** Every call as `METHOD path`, for assertions on which zones were touched. */
  readonly calls: string[] = [];
  readonly listeners: NodeLifecycleListener[] = [];
  /** Guest attributes per node name and host index, as `namespace/key` → value. */
  readonly guestAttributes = new Map<string, Map<number, Map<string, string>>>();
  /** The address of each new host; VPC-like 10.128.x.y unless a test gives hosts loopback addresses. */
  ipAllocator: (() => string) | undefined;

  constructor(
    private readonly faults: FaultBook,
    private readonly now: () => number,
  ) {}

  createNode(parent: string, nodeId: string, body: Record<string, unknown>): Record<string, unknown> {
    const zone = zoneOf(parent);
    const fault = this.faults.take('request', zone);
    if (fault) throw new ReplyError(faultReply(fault, zone));
    const name = `${parent}/nodes/${nodeId}`;
    if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(nodeId) || nodeId.length > 63) {
      throw new ReplyError({ httpStatus: 400, status: 'INVALID_ARGUMENT', message: `invalid node id "${nodeId}"` });
    }
    if (this.racedCreates.delete(nodeId)) {
      const op = this.createNode(parent, nodeId, body);
      while (this.getOperation(String(op.name)).done !== true);
    }
    if (this.nodes.has(name)) throw alreadyExists(name);
    const acceleratorType = String(body.acceleratorType ?? '');
    const node: EmulatedNode = {
      name,
      acceleratorType,
      runtimeVersion: String(body.runtimeVersion ?? ''),
      state: 'CREATING',
      labels: { ...((body.labels as Record<string, string> | undefined) ?? {}) },
      metadata: { ...((body.metadata as Record<string, string> | undefined) ?? {}) },
      ...(body.networkConfig ? { networkConfig: body.networkConfig as Record<string, unknown> } : {}),
      ...(body.schedulingConfig ? { schedulingConfig: body.schedulingConfig as Record<string, unknown> } : {}),
      ...(body.serviceAccount ? { serviceAccount: body.serviceAccount as Record<string, unknown> } : {}),
      networkEndpoints: [],
      createTime: new Date(this.now()).toISOString(),
    };
    this.nodes.set(name, node);
    const opFault = this.faults.take('operation', zone);
    return this.startOperation(parent, () => {
      if (opFault) {
        // A failed create leaves nothing behind, as with a real stockout.
        this.nodes.delete(name);
        return { error: faultReply(opFault, zone) };
      }
      node.state = 'READY';
      const hosts = HOSTS_BY_VARIANT[acceleratorType] ?? 1;
      node.networkEndpoints = Array.from({ length: hosts }, () => ({ ipAddress: this.allocateIp(), port: 8470 }));
      for (const l of this.listeners) l.ready(node);
      return { response: { '@type': 'type.googleapis.com/google.cloud.tpu.v2.Node', ...nodeJson(node) } };
    });
  }

  getNode(name: string): Record<string, unknown> {
    const node = this.nodes.get(name);
    if (!node) throw notFound(name);
    return nodeJson(node);
  }

  listNodes(parent: string): Record<string, unknown> {
    const fault = this.faults.take('list', zoneOf(parent));
    if (fault) throw new ReplyError(faultReply(fault, zoneOf(parent)));
    const nodes = [...this.nodes.values()].filter((n) => n.name.startsWith(`${parent}/nodes/`));
    return { nodes: nodes.map(nodeJson) };
  }

  deleteNode(name: string): Record<string, unknown> {
    const fault = this.faults.take('delete', zoneOf(name));
    if (fault) throw new ReplyError(faultReply(fault, zoneOf(name)));
    const node = this.nodes.get(name);
    if (!node) throw notFound(name);
    const wasRunning = node.state !== 'PREEMPTED';
    node.state = 'DELETING';
    // The VMs shut down as the deletion starts; a preempted node's are already gone.
    if (wasRunning) for (const l of this.listeners) l.gone(node, 'deleted');
    return this.startOperation(name.replace(/\/nodes\/[^/]+$/, ''), () => {
      this.nodes.delete(name);
      this.guestAttributes.delete(name);
      return { response: { '@type': 'type.googleapis.com/google.protobuf.Empty' } };
    });
  }

  /** `POST …/nodes/N:getGuestAttributes`: one entry per host, in host order. */
  getGuestAttributes(name: string, body: Record<string, unknown>): Record<string, unknown> {
    const node = this.nodes.get(name);
    if (!node) throw notFound(name);
    const queryPath = String(body.queryPath ?? '');
    const byHost = this.guestAttributes.get(name);
    return {
      guestAttributes: node.networkEndpoints.map((_, i) => ({
        queryPath,
        queryValue: {
          items: [...(byHost?.get(i) ?? new Map<string, string>())]
            .filter(([path]) => path.startsWith(queryPath))
            .map(([path, value]) => ({ namespace: path.split('/')[0], key: path.split('/').slice(1).join('/'), value })),
        },
      })),
    };
  }

  /** What a host's guest agent (or its startup script, through the metadata server) writes. */
  setGuestAttribute(name: string, host: number, path: string, value: string): void {
    const byHost = this.guestAttributes.get(name) ?? new Map<number, Map<string, string>>();
    const attrs = byHost.get(host) ?? new Map<string, string>();
    attrs.set(path, value);
    byHost.set(host, attrs);
    this.guestAttributes.set(name, byHost);
  }

  getOperation(name: string): Record<string, unknown> {
    const op = this.operations.get(name);
    if (!op) throw notFound(name);
    if (!op.done) {
      if (op.pollsLeft > 0) op.pollsLeft -= 1;
      else op.done = op.finish();
    }
    return operationJson(op);
  }

  listAcceleratorTypes(parent: string): Record<string, unknown> {
    return {
      acceleratorTypes: EMULATED_ACCELERATOR_TYPES.map((type) => ({ name: `${parent}/acceleratorTypes/${type}`, type })),
    };
  }

  /** What GCP does to a preempted TPU: the node stays, in state PREEMPTED, until deleted. */
  preempt(nodeId: string): void {
    const node = [...this.nodes.values()].find((n) => n.name.endsWith(`/nodes/${nodeId}`));
    if (!node) throw new Error(`no emulated node ${nodeId}`);
    node.state = 'PREEMPTED';
    for (const l of this.listeners) l.gone(node, 'preempted');
  }

  private startOperation(parent: string, finish: PendingOperation['finish']): Record<string, unknown> {
    const name = `${parent}/operations/operation-${randomUUID()}`;
    const op: PendingOperation = { name, pollsLeft: this.operationPolls, finish };
    this.operations.set(name, op);
    return operationJson(op);
  }

  private allocateIp(): string {
    if (this.ipAllocator) return this.ipAllocator();
    const n = this.nextIp++;
    return `10.128.${Math.floor(n / 250)}.${(n % 250) + 2}`;
  }
}

function zoneOf(parent: string): string {
  return /locations\/([^/]+)/.exec(parent)?.[1] ?? '';
}

function nodeJson(node: EmulatedNode): Record<string, unknown> {
  return { ...node, networkEndpoints: node.networkEndpoints.map((e) => ({ ...e })) };
}

function operationJson(op: PendingOperation): Record<string, unknown> {
  const base: Record<string, unknown> = {
    name: op.name,
    metadata: { '@type': 'type.googleapis.com/google.cloud.tpu.v2.OperationMetadata', verb: 'create' },
    done: op.done !== undefined,
  };
  if (op.done?.error) {
    const e = op.done.error;
    base.error = { code: GRPC_CODES[e.status] ?? 2, message: e.message, details: e.details ?? [] };
  } else if (op.done?.response) {
    base.response = op.done.response;
  }
  return base;
}
