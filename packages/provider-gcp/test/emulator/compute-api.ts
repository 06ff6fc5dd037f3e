import type { FaultBook } from './faults.js';
import { faultReply } from './faults.js';
import { alreadyExists, notFound, ReplyError } from './http-json.js';

export interface EmulatedInstance {
  name: string;
  zone: string;
  machineType: string;
  status: string;
  labels: Record<string, string>;
  metadata: { items: { key: string; value: string }[] };
  networkInterfaces: { networkIP: string }[];
  creationTimestamp: string;
  id: string;
}

interface ZoneOperation {
  name: string;
  zone: string;
  operationType: string;
  targetLink: string;
  pollsLeft: number;
  finish: () => void;
  done: boolean;
}

/** The Compute Engine v1 instances and zone operations APIs, in memory. */
export class ComputeApi {
  readonly instances = new Map<string, EmulatedInstance>();
  private readonly operations = new Map<string, ZoneOperation>();
  private nextId = 1;
  /** The internal IP given to new instances; tests point it at a loopback health server. */
  instanceIp = '127.0.0.1';
  operationPolls = 1;

  constructor(
    private readonly faults: FaultBook,
    private readonly now: () => number,
  ) {}

  insert(project: string, zone: string, body: Record<string, unknown>): Record<string, unknown> {
    const fault = this.faults.take('request', zone);
    if (fault) throw new ReplyError(faultReply(fault, zone));
    const name = String(body.name ?? '');
    const key = `${project}/${zone}/${name}`;
    if (this.instances.has(key)) throw alreadyExists(`projects/${project}/zones/${zone}/instances/${name}`);
    const instance: EmulatedInstance = {
      name,
      zone: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}`,
      machineType: String(body.machineType ?? ''),
      status: 'PROVISIONING',
      labels: { ...((body.labels as Record<string, string> | undefined) ?? {}) },
      metadata: { items: [...(((body.metadata as { items?: { key: string; value: string }[] } | undefined)?.items) ?? [])] },
      networkInterfaces: [{ networkIP: this.instanceIp }],
      creationTimestamp: new Date(this.now()).toISOString(),
      id: String(this.nextId++),
    };
    this.instances.set(key, instance);
    return this.startOperation(project, zone, 'insert', name, () => {
      instance.status = 'RUNNING';
    });
  }

  get(project: string, zone: string, name: string): Record<string, unknown> {
    const instance = this.instances.get(`${project}/${zone}/${name}`);
    if (!instance) throw notFound(`projects/${project}/zones/${zone}/instances/${name}`);
    return { kind: 'compute#instance', ...instance };
  }

  list(project: string, zone: string, filter: string | undefined): Record<string, unknown> {
    const selector = parseLabelFilter(filter);
    const items = [...this.instances.entries()]
      .filter(([key]) => key.startsWith(`${project}/${zone}/`))
      .map(([, i]) => i)
      .filter((i) => Object.entries(selector).every(([k, v]) => i.labels[k] === v));
    return { kind: 'compute#instanceList', items: items.map((i) => ({ kind: 'compute#instance', ...i })) };
  }

  delete(project: string, zone: string, name: string): Record<string, unknown> {
    const key = `${project}/${zone}/${name}`;
    const instance = this.instances.get(key);
    if (!instance) throw notFound(`projects/${project}/zones/${zone}/instances/${name}`);
    instance.status = 'STOPPING';
    return this.startOperation(project, zone, 'delete', name, () => {
      this.instances.delete(key);
    });
  }

  getOperation(project: string, zone: string, name: string): Record<string, unknown> {
    const op = this.operations.get(`${project}/${zone}/${name}`);
    if (!op) throw notFound(`operation ${name}`);
    if (!op.done) {
      if (op.pollsLeft > 0) op.pollsLeft -= 1;
      else {
        op.finish();
        op.done = true;
      }
    }
    return operationJson(op);
  }

  /** What the console's "stop" does: the instance stays, TERMINATED. */
  stopInstance(project: string, zone: string, name: string): void {
    const instance = this.instances.get(`${project}/${zone}/${name}`);
    if (!instance) throw new Error(`no emulated instance ${name}`);
    instance.status = 'TERMINATED';
  }

  private startOperation(project: string, zone: string, type: string, target: string, finish: () => void): Record<string, unknown> {
    const name = `operation-${this.nextId++}`;
    const op: ZoneOperation = {
      name,
      zone,
      operationType: type,
      targetLink: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}/instances/${target}`,
      pollsLeft: this.operationPolls,
      finish,
      done: false,
    };
    this.operations.set(`${project}/${zone}/${name}`, op);
    return operationJson(op);
  }
}

/** Understands the label filters the provider sends: `labels.k = "v" AND labels.k2 = "v2"`. */
function parseLabelFilter(filter: string | undefined): Record<string, string> {
  const selector: Record<string, string> = {};
  if (!filter) return selector;
  for (const term of filter.split(/\s+AND\s+/)) {
    const m = /^\(?\s*labels\.([a-z0-9_-]+)\s*=\s*"?([^"\s)]*)"?\s*\)?$/.exec(term.trim());
    if (!m) throw new ReplyError({ httpStatus: 400, status: 'INVALID_ARGUMENT', message: `unsupported filter term "${term}"` });
    selector[m[1]!] = m[2]!;
  }
  return selector;
}

function operationJson(op: ZoneOperation): Record<string, unknown> {
  return {
    kind: 'compute#operation',
    id: op.name.replace(/\D/g, ''),
    name: op.name,
    zone: op.zone,
    operationType: op.operationType,
    targetLink: op.targetLink,
    status: op.done ? 'DONE' : 'RUNNING',
    progress: op.done ? 100 : 0,
  };
}
