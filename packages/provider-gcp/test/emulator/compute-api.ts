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
  networkInterfaces: { networkIP: string; accessConfigs: { name: string; type: string; natIP: string }[] }[];
  disks: { deviceName: string; source?: string; boot: boolean; autoDelete: boolean }[];
  creationTimestamp: string;
  id: string;
}

export interface EmulatedDisk {
  name: string;
  zone: string;
  sizeGb: string;
  type: string;
  labels: Record<string, string>;
  /** Self-links of the instances the disk is attached to. */
  users: string[];
  creationTimestamp: string;
}

/** Told when an instance starts running or goes away, so a test can play its VM (see GceVmPlayer). */
export interface InstanceLifecycleListener {
  running(project: string, zone: string, instance: EmulatedInstance): void;
  gone(project: string, zone: string, instance: EmulatedInstance): void;
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
  readonly disks = new Map<string, EmulatedDisk>();
  /** Guest attributes per instance key (`project/zone/name`), as `namespace/key` → value. */
  readonly guestAttributes = new Map<string, Map<string, string>>();
  readonly listeners: InstanceLifecycleListener[] = [];
  private readonly operations = new Map<string, ZoneOperation>();
  private nextId = 1;
  /** The internal IP given to new instances; tests point it at a loopback health server. */
  instanceIp = '127.0.0.1';
  /** The external (NAT) IP of instances that ask for one; the internal IP when unset. */
  externalIp: string | undefined;
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
    const selfLink = `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}/instances/${name}`;
    const requestedDisks = (body.disks as { deviceName?: string; source?: string; boot?: boolean; autoDelete?: boolean }[] | undefined) ?? [];
    const disks = requestedDisks.map((d, i) => ({
      deviceName: d.deviceName ?? `persistent-disk-${i}`,
      ...(d.source ? { source: d.source } : {}),
      boot: d.boot === true,
      autoDelete: d.autoDelete === true,
    }));
    // As on GCE, a read-write disk attaches to one instance at a time.
    for (const d of disks) {
      if (!d.source) continue;
      const disk = this.diskBySource(project, zone, d.source);
      if (!disk) throw notFound(d.source);
      if (disk.users.length > 0) {
        throw new ReplyError({
          httpStatus: 400,
          status: 'INVALID_ARGUMENT',
          message: `The disk resource '${d.source}' is already being used by '${disk.users[0]}'`,
        });
      }
    }
    const wantsExternal = ((body.networkInterfaces as { accessConfigs?: unknown[] }[] | undefined)?.[0]?.accessConfigs ?? []).length > 0;
    const instance: EmulatedInstance = {
      name,
      zone: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}`,
      machineType: String(body.machineType ?? ''),
      status: 'PROVISIONING',
      labels: { ...((body.labels as Record<string, string> | undefined) ?? {}) },
      metadata: { items: [...((body.metadata as { items?: { key: string; value: string }[] } | undefined)?.items ?? [])] },
      networkInterfaces: [
        {
          networkIP: String((body.networkInterfaces as { networkIP?: string }[] | undefined)?.[0]?.networkIP ?? this.instanceIp),
          accessConfigs: wantsExternal ? [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT', natIP: this.externalIp ?? this.instanceIp }] : [],
        },
      ],
      disks,
      creationTimestamp: new Date(this.now()).toISOString(),
      id: String(this.nextId++),
    };
    this.instances.set(key, instance);
    for (const d of disks) if (d.source) this.diskBySource(project, zone, d.source)!.users.push(selfLink);
    return this.startOperation(project, zone, 'insert', name, () => {
      instance.status = 'RUNNING';
      for (const l of this.listeners) l.running(project, zone, instance);
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
    for (const l of this.listeners) l.gone(project, zone, instance);
    return this.startOperation(project, zone, 'delete', name, () => {
      this.instances.delete(key);
      this.guestAttributes.delete(key);
      const selfLink = `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}/instances/${name}`;
      for (const disk of this.disks.values()) disk.users = disk.users.filter((u) => u !== selfLink);
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
    for (const l of this.listeners) l.gone(project, zone, instance);
  }

  /** `GET …/instances/NAME/getGuestAttributes?queryPath=ns/` */
  getGuestAttributes(project: string, zone: string, name: string, queryPath: string): Record<string, unknown> {
    const key = `${project}/${zone}/${name}`;
    if (!this.instances.has(key)) throw notFound(`projects/${project}/zones/${zone}/instances/${name}`);
    const items = [...(this.guestAttributes.get(key) ?? new Map<string, string>())]
      .filter(([path]) => path.startsWith(queryPath))
      .map(([path, value]) => ({ namespace: path.split('/')[0], key: path.split('/').slice(1).join('/'), value }));
    if (items.length === 0) throw notFound(`guest attributes ${queryPath} of ${name}`);
    return { kind: 'compute#guestAttributes', queryPath, queryValue: { items } };
  }

  /** What the VM's guest agent (or a script through the metadata server) writes. */
  setGuestAttribute(project: string, zone: string, name: string, path: string, value: string): void {
    const key = `${project}/${zone}/${name}`;
    const map = this.guestAttributes.get(key) ?? new Map<string, string>();
    map.set(path, value);
    this.guestAttributes.set(key, map);
  }

  insertDisk(project: string, zone: string, body: Record<string, unknown>): Record<string, unknown> {
    const fault = this.faults.take('request', zone);
    if (fault) throw new ReplyError(faultReply(fault, zone));
    const name = String(body.name ?? '');
    const key = `${project}/${zone}/${name}`;
    if (this.disks.has(key)) throw alreadyExists(`projects/${project}/zones/${zone}/disks/${name}`);
    const disk: EmulatedDisk = {
      name,
      zone: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}`,
      sizeGb: String(body.sizeGb ?? '10'),
      type: String(body.type ?? ''),
      labels: { ...((body.labels as Record<string, string> | undefined) ?? {}) },
      users: [],
      creationTimestamp: new Date(this.now()).toISOString(),
    };
    return this.startOperation(project, zone, 'insert', name, () => {
      this.disks.set(key, disk);
    });
  }

  getDisk(project: string, zone: string, name: string): Record<string, unknown> {
    const disk = this.disks.get(`${project}/${zone}/${name}`);
    if (!disk) throw notFound(`projects/${project}/zones/${zone}/disks/${name}`);
    return { kind: 'compute#disk', ...disk };
  }

  deleteDisk(project: string, zone: string, name: string): Record<string, unknown> {
    const key = `${project}/${zone}/${name}`;
    const disk = this.disks.get(key);
    if (!disk) throw notFound(`projects/${project}/zones/${zone}/disks/${name}`);
    if (disk.users.length > 0)
      throw new ReplyError({
        httpStatus: 400,
        status: 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE',
        message: `The disk resource '${name}' is already being used by '${disk.users[0]}'`,
      });
    return this.startOperation(project, zone, 'delete', name, () => {
      this.disks.delete(key);
    });
  }

  private diskBySource(project: string, zone: string, source: string): EmulatedDisk | undefined {
    const name = source.slice(source.lastIndexOf('/') + 1);
    return this.disks.get(`${project}/${zone}/${name}`);
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
