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
  /** The queued resource that requested the node, when one did. */
  queuedResource?: string;
}

/** `QueuedResourceState.State` names, in the order a request moves through them. */
export type QueuedState = 'ACCEPTED' | 'WAITING_FOR_RESOURCES' | 'PROVISIONING' | 'ACTIVE' | 'FAILED' | 'SUSPENDING' | 'SUSPENDED' | 'DELETING';

export interface EmulatedQueuedResource {
  name: string;
  createTime: string;
  state: QueuedState;
  /** FAILED's `failedData.error`. */
  error?: { code: number; message: string };
  /** The create body as sent (tpu.nodeSpec, spot/guaranteed, reservationName, …), for assertions. */
  body: Record<string, unknown>;
  /** The node it created once PROVISIONING. */
  nodeName?: string;
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
  FAILED_PRECONDITION: 9,
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
  readonly queuedResources = new Map<string, EmulatedQueuedResource>();
  /**
   * While true (or true for a queued resource's name), queued resources stay WAITING_FOR_RESOURCES
   * (no capacity in the queue). Otherwise each read (get or list) of one moves it a step:
   * WAITING_FOR_RESOURCES → PROVISIONING (its node is CREATING) → ACTIVE (its node READY, its hosts
   * booting).
   */
  holdQueued: boolean | ((name: string) => boolean) = false;
  /** Full names (`projects/P/locations/Z/reservations/R`) of the reservations that exist. */
  readonly reservations = new Set<string>();

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
    const node = this.newNode(name, body);
    this.nodes.set(name, node);
    const opFault = this.faults.take('operation', zone);
    return this.startOperation(parent, () => {
      if (opFault) {
        // A failed create leaves nothing behind, as with a real stockout.
        this.nodes.delete(name);
        return { error: faultReply(opFault, zone) };
      }
      this.bringUp(node);
      return { response: { '@type': 'type.googleapis.com/google.cloud.tpu.v2.Node', ...nodeJson(node) } };
    });
  }

  private newNode(name: string, body: Record<string, unknown>): EmulatedNode {
    return {
      name,
      acceleratorType: String(body.acceleratorType ?? ''),
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
  }

  /** The node is READY: its hosts get addresses and boot (the listeners play them). */
  private bringUp(node: EmulatedNode): void {
    node.state = 'READY';
    const hosts = HOSTS_BY_VARIANT[node.acceleratorType] ?? 1;
    node.networkEndpoints = Array.from({ length: hosts }, () => ({ ipAddress: this.allocateIp(), port: 8470 }));
    for (const l of this.listeners) l.ready(node);
  }

  // ---- queued resources ------------------------------------------------------------------

  createQueuedResource(parent: string, id: string, body: Record<string, unknown>): Record<string, unknown> {
    const zone = zoneOf(parent);
    const fault = this.faults.take('request', zone);
    if (fault) throw new ReplyError(faultReply(fault, zone));
    if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(id) || id.length > 63) {
      throw new ReplyError({ httpStatus: 400, status: 'INVALID_ARGUMENT', message: `invalid queued resource id "${id}"` });
    }
    const name = `${parent}/queuedResources/${id}`;
    if (this.queuedResources.has(name)) throw alreadyExists(name);
    const specs = ((body.tpu as { nodeSpec?: unknown[] } | undefined)?.nodeSpec ?? []) as { parent?: string; nodeId?: string; node?: unknown }[];
    if (specs.length !== 1 || !specs[0]!.nodeId || !specs[0]!.node) {
      throw new ReplyError({ httpStatus: 400, status: 'INVALID_ARGUMENT', message: 'tpu.nodeSpec must hold one node spec with nodeId and node' });
    }
    const reservation = body.reservationName as string | undefined;
    if (reservation !== undefined && reservation !== '' && !this.reservations.has(reservation)) {
      throw new ReplyError({
        httpStatus: 400,
        status: 'INVALID_ARGUMENT',
        message: `Reservation "${reservation}" does not exist or is not usable by this project.`,
      });
    }
    const qr: EmulatedQueuedResource = { name, createTime: new Date(this.now()).toISOString(), state: 'ACCEPTED', body };
    this.queuedResources.set(name, qr);
    const opFault = this.faults.take('operation', zone);
    return this.startOperation(parent, () => {
      if (opFault) {
        this.queuedResources.delete(name);
        return { error: faultReply(opFault, zone) };
      }
      if (qr.state === 'ACCEPTED') qr.state = 'WAITING_FOR_RESOURCES';
      return { response: { '@type': 'type.googleapis.com/google.cloud.tpu.v2.QueuedResource', ...this.queuedJson(qr) } };
    });
  }

  getQueuedResource(name: string): Record<string, unknown> {
    const qr = this.queuedResources.get(name);
    if (!qr) throw notFound(name);
    this.advanceQueued(qr);
    return this.queuedJson(qr);
  }

  listQueuedResources(parent: string): Record<string, unknown> {
    const fault = this.faults.take('list', zoneOf(parent));
    if (fault) throw new ReplyError(faultReply(fault, zoneOf(parent)));
    const all = [...this.queuedResources.values()].filter((q) => q.name.startsWith(`${parent}/queuedResources/`));
    for (const qr of all) this.advanceQueued(qr);
    return { queuedResources: all.map((q) => this.queuedJson(q)) };
  }

  /** Deleting a queued resource that holds a node needs `force`, which deletes the node too. */
  deleteQueuedResource(name: string, force: boolean): Record<string, unknown> {
    const fault = this.faults.take('delete', zoneOf(name));
    if (fault) throw new ReplyError(faultReply(fault, zoneOf(name)));
    const qr = this.queuedResources.get(name);
    if (!qr) throw notFound(name);
    const node = qr.nodeName === undefined ? undefined : this.nodes.get(qr.nodeName);
    if (node && !force) {
      throw new ReplyError({
        httpStatus: 400,
        status: 'FAILED_PRECONDITION',
        message: `Queued resource ${name} has node ${node.name}: delete the node first, or delete with force.`,
      });
    }
    qr.state = 'DELETING';
    if (node) this.dropNode(node, 'deleted');
    return this.startOperation(name.replace(/\/queuedResources\/[^/]+$/, ''), () => {
      this.queuedResources.delete(name);
      return { response: { '@type': 'type.googleapis.com/google.protobuf.Empty' } };
    });
  }

  /** GCP gave up on the request (e.g. the reservation went away): FAILED with its error, node gone. */
  failQueued(id: string, message: string): void {
    const qr = this.queuedById(id);
    qr.state = 'FAILED';
    qr.error = { code: 9, message };
    const node = qr.nodeName === undefined ? undefined : this.nodes.get(qr.nodeName);
    if (node) this.dropNode(node, 'preempted');
  }

  /** What GCP does to a queued spot slice it reclaims: SUSPENDED, and the node is gone. */
  suspendQueued(id: string): void {
    const qr = this.queuedById(id);
    qr.state = 'SUSPENDED';
    const node = qr.nodeName === undefined ? undefined : this.nodes.get(qr.nodeName);
    if (node) this.dropNode(node, 'preempted');
  }

  private queuedById(id: string): EmulatedQueuedResource {
    const qr = [...this.queuedResources.values()].find((q) => q.name.endsWith(`/queuedResources/${id}`));
    if (!qr) throw new Error(`no emulated queued resource ${id}`);
    return qr;
  }

  private advanceQueued(qr: EmulatedQueuedResource): void {
    const held = typeof this.holdQueued === 'function' ? this.holdQueued(qr.name) : this.holdQueued;
    if (qr.state === 'WAITING_FOR_RESOURCES' && !held) {
      const spec = (qr.body.tpu as { nodeSpec: { parent?: string; nodeId: string; node: Record<string, unknown> }[] }).nodeSpec[0]!;
      const nodeName = `${spec.parent ?? qr.name.replace(/\/queuedResources\/[^/]+$/, '')}/nodes/${spec.nodeId}`;
      const node = this.newNode(nodeName, spec.node);
      node.queuedResource = qr.name;
      this.nodes.set(nodeName, node);
      qr.nodeName = nodeName;
      qr.state = 'PROVISIONING';
    } else if (qr.state === 'PROVISIONING') {
      const node = qr.nodeName === undefined ? undefined : this.nodes.get(qr.nodeName);
      if (node) this.bringUp(node);
      qr.state = 'ACTIVE';
    }
  }

  private dropNode(node: EmulatedNode, why: 'deleted' | 'preempted'): void {
    const wasRunning = node.state === 'READY';
    this.nodes.delete(node.name);
    this.guestAttributes.delete(node.name);
    if (wasRunning) for (const l of this.listeners) l.gone(node, why);
  }

  private queuedJson(qr: EmulatedQueuedResource): Record<string, unknown> {
    return {
      ...qr.body,
      name: qr.name,
      createTime: qr.createTime,
      state: {
        state: qr.state,
        ...(qr.state === 'FAILED' && qr.error ? { failedData: { error: { ...qr.error } } } : {}),
        ...(qr.state === 'SUSPENDED' || qr.state === 'SUSPENDING' ? { stateInitiator: 'SERVICE' } : {}),
      },
    };
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
