import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import {
  LABEL_ROLE,
  ProviderError,
  clusterLabels,
  sanitizeLabelValue,
  type ControllerConfig,
  type ControllerHost,
  type ControllerStatus,
  type PlatformDeps,
  type Tunnel,
} from '@iris/core';
import type { ComputeClients } from '../api/clients.js';
import { isNotFound, toProviderError } from '../api/gcp-errors.js';
import { waitForOperation } from '../api/wait-operation.js';
import type { GcpControllerConfig } from '../config-types.js';
import { CLUSTER_FILE_METADATA_KEY, renderControllerStartupScript, STATE_DISK_DEVICE_NAME } from '../platform/startup-script.js';
import { guestAttributes, publishedHostKeys } from './host-keys.js';
import { iapSocket } from './iap.js';
import { openSshTunnel, SshChannel, type SshEndpoint } from './ssh-channel.js';
import { ensureStateDisk, operationName, stateDiskName } from './state-disk.js';

/** Fields of a Compute `Instance` the host reads. */
interface InstanceView {
  name?: string | null;
  status?: string | null;
  networkInterfaces?: ({ networkIP?: string | null; accessConfigs?: ({ natIP?: string | null } | null)[] | null } | null)[] | null;
}

const HEALTH_PROBE_TIMEOUT_MS = 5_000;
/** GCE caps one metadata value at 256 KB. */
const MAX_METADATA_VALUE_BYTES = 256 * 1024;
/** Instance states from which the VM will not come back by itself: replace it. */
const DEAD_STATES = new Set(['TERMINATED', 'STOPPED', 'SUSPENDED', 'STOPPING', 'SUSPENDING']);

export interface GceControllerHostOptions {
  compute: () => ComputeClients;
  project: string;
  zone: string;
  operationPollMs: number;
  operationTimeoutMs: number;
}

/**
 * The controller on a GCE VM. The VM gets the cluster file through its metadata and runs
 * `iris controller serve -c FILE --advertise-url http://<internal-ip>:PORT`, so the autoscaler runs
 * there and TPU VMs dial its VPC address. Its state lives on the persistent disk
 * `iris-state-<cluster>`, which outlives the VM: a replacement VM mounts it again. The CLI reaches
 * the VM over SSH (external IP or IAP) with the host key the VM published, pinned.
 */
export class GceControllerHost implements ControllerHost {
  readonly instanceName: string;
  readonly diskName: string;
  private readonly project: string;
  private readonly zone: string;

  constructor(
    private readonly controller: ControllerConfig,
    private readonly provider: GcpControllerConfig,
    private readonly deps: PlatformDeps,
    private readonly options: GceControllerHostOptions,
  ) {
    this.project = options.project;
    this.zone = options.zone;
    this.instanceName = `iris-controller-${sanitizeLabelValue(deps.clusterName).replace(/_/g, '-')}`.slice(0, 63).replace(/-+$/, '');
    this.diskName = stateDiskName(deps.clusterName);
  }

  private get labels(): Record<string, string> {
    return clusterLabels(this.deps.clusterName, { [LABEL_ROLE]: 'controller' });
  }

  private get location(): string {
    return `${this.project}/${this.zone}/${this.instanceName}`;
  }

  private async find(): Promise<InstanceView | undefined> {
    const filter = Object.entries(this.labels)
      .map(([k, v]) => `labels.${k} = "${v}"`)
      .join(' AND ');
    try {
      const [instances] = await this.options.compute().instances.list({ project: this.project, zone: this.zone, filter });
      return (instances as InstanceView[])[0];
    } catch (err) {
      throw toProviderError(err, { action: 'list controller instances', zone: this.zone });
    }
  }

  private addressOf(instance: InstanceView): string | undefined {
    const ip = instance.networkInterfaces?.[0]?.networkIP;
    return ip ? `http://${ip}:${this.provider.port}` : undefined;
  }

  async status(): Promise<ControllerStatus> {
    const instance = await this.find();
    if (!instance) return { running: false };
    return this.describe(instance);
  }

  private async describe(instance: InstanceView): Promise<ControllerStatus> {
    const address = this.addressOf(instance);
    const location = `${this.project}/${this.zone}/${instance.name ?? this.instanceName}`;
    if (instance.status !== 'RUNNING' || address === undefined) {
      return { running: false, location, detail: `instance is ${instance.status ?? 'in an unknown state'}` };
    }
    const unhealthy = await this.probeHealth(instance, address);
    if (unhealthy === undefined) return { running: true, address, location };
    const phase = await this.bootPhase(instance).catch(() => undefined);
    return {
      running: false,
      address,
      location,
      detail: `instance is RUNNING${phase ? ` (boot phase: ${phase})` : ''} but the controller does not answer: ${unhealthy}`,
    };
  }

  async address(): Promise<string | undefined> {
    const s = await this.status();
    return s.running ? s.address : undefined;
  }

  async start(): Promise<ControllerStatus> {
    await ensureStateDisk(
      { compute: this.options.compute(), project: this.project, zone: this.zone },
      { name: this.diskName, sizeGb: this.provider.state_disk_size_gb, labels: clusterLabels(this.deps.clusterName, { [LABEL_ROLE]: 'controller-state' }) },
      (op, action) => this.waitZoneOperation(op, action),
    );
    let instance = await this.find();
    if (instance && DEAD_STATES.has(instance.status ?? '')) {
      // Deleting frees the state disk (it is never auto-deleted) for the replacement.
      await this.deleteInstance(instance.name ?? this.instanceName);
      instance = undefined;
    }
    if (instance) {
      const current = await this.describe(instance);
      if (current.running) return current;
    } else {
      await this.createInstance();
    }
    return this.waitHealthy();
  }

  /** Deletes the VM. The state disk stays, so the next `iris start` finds every job again. */
  async stop(): Promise<void> {
    const instance = await this.find();
    if (instance) await this.deleteInstance(instance.name ?? this.instanceName);
  }

  /** The master token, read over SSH from the state disk: it never leaves the VM otherwise. */
  async readToken(): Promise<string | undefined> {
    if (this.provider.access === 'direct') return undefined;
    const instance = await this.find();
    if (!instance || instance.status !== 'RUNNING') return undefined;
    const channel = await SshChannel.open(await this.sshEndpoint(instance));
    try {
      const sudo = this.deps.ssh.user === 'root' ? '' : 'sudo -n ';
      const token = (await channel.exec(`${sudo}cat '${this.provider.state_mount.replace(/'/g, `'\\''`)}/token'`)).trim();
      return token === '' ? undefined : token;
    } finally {
      channel.close();
    }
  }

  /** A local URL that reaches `address` (the controller's VPC URL) from this machine. */
  async tunnel(address: string): Promise<Tunnel> {
    if (this.provider.access === 'direct') return { localAddress: address, close: async () => undefined };
    const instance = await this.find();
    if (!instance || instance.status !== 'RUNNING') {
      throw new ProviderError('not_found', `gcp: the controller VM ${this.location} is not running; start it with iris start`, { provider: 'gcp' });
    }
    return openSshTunnel(await this.sshEndpoint(instance), address);
  }

  private async sshEndpoint(instance: InstanceView): Promise<SshEndpoint> {
    const name = instance.name ?? this.instanceName;
    const hostKeys = await publishedHostKeys(this.options.compute(), this.project, this.zone, name);
    if (hostKeys.length === 0) {
      throw new ProviderError(
        'transient',
        `gcp: the controller VM ${this.location} has not published its SSH host keys yet (guest attributes hostkeys/); it may still be booting`,
        {
          provider: 'gcp',
        },
      );
    }
    const ssh = this.deps.ssh;
    const common = {
      user: ssh.user,
      ...(ssh.key_file !== undefined ? { keyFile: expandHome(ssh.key_file) } : {}),
      hostKeys,
      pinnedFrom: `the guest attributes of ${this.location}`,
      connectTimeoutMs: ssh.connect_timeout,
    };
    if (this.provider.access === 'iap') {
      return { ...common, host: name, port: ssh.port, socket: () => iapSocket({ instance: name, port: ssh.port, zone: this.zone, project: this.project }) };
    }
    const external = instance.networkInterfaces?.[0]?.accessConfigs?.[0]?.natIP;
    if (!external) {
      throw new ProviderError(
        'invalid_request',
        `gcp: the controller VM ${this.location} has no external IP; set controller.provider.access: iap (or direct from inside the VPC)`,
        {
          provider: 'gcp',
        },
      );
    }
    return { ...common, host: external, port: ssh.port };
  }

  /** Undefined when /health answers; otherwise why not. */
  private async probeHealth(instance: InstanceView, address: string): Promise<string | undefined> {
    let tunnel: Tunnel | undefined;
    try {
      tunnel = this.provider.access === 'direct' ? undefined : await openSshTunnel(await this.sshEndpoint(instance), address);
      const res = await fetch(`${tunnel?.localAddress ?? address}/health`, { signal: AbortSignal.timeout(HEALTH_PROBE_TIMEOUT_MS) });
      await res.body?.cancel();
      return res.ok ? undefined : `/health answered ${res.status}`;
    } catch (err) {
      return (err as Error).message;
    } finally {
      await tunnel?.close();
    }
  }

  /** The `[iris-init] Phase:` the startup script last reported (guest attribute iris/phase). */
  private async bootPhase(instance: InstanceView): Promise<string | undefined> {
    const attrs = await guestAttributes(this.options.compute(), this.project, this.zone, instance.name ?? this.instanceName, 'iris/');
    return attrs.find((a) => a.key === 'phase')?.value;
  }

  private instanceResource(): Record<string, unknown> {
    const image = this.provider.image ?? this.controller.image;
    if (image === undefined) {
      throw new ProviderError('invalid_request', 'gcp: the controller needs an image: set controller.image or controller.provider.image', { provider: 'gcp' });
    }
    const clusterFile = this.deps.clusterFile;
    if (clusterFile === undefined) {
      throw new ProviderError('invalid_request', 'gcp: the controller VM runs the cluster file it was started with, and none was given', { provider: 'gcp' });
    }
    const clusterYaml = readFileSync(clusterFile, 'utf8');
    if (Buffer.byteLength(clusterYaml) > MAX_METADATA_VALUE_BYTES) {
      throw new ProviderError('invalid_request', `gcp: ${clusterFile} is larger than the 256 KB a GCE metadata value holds`, { provider: 'gcp' });
    }
    const items = [
      { key: 'startup-script', value: renderControllerStartupScript({ image, port: this.provider.port, stateMount: this.provider.state_mount }) },
      { key: CLUSTER_FILE_METADATA_KEY, value: clusterYaml },
    ];
    const publicKey = this.publicKey();
    if (publicKey !== undefined) items.push({ key: 'ssh-keys', value: `${this.deps.ssh.user}:${publicKey}` });
    const zonePath = `zones/${this.zone}`;
    return {
      name: this.instanceName,
      machineType: `${zonePath}/machineTypes/${this.provider.machine_type}`,
      labels: this.labels,
      tags: { items: ['iris-controller'] },
      metadata: { items },
      disks: [
        {
          boot: true,
          autoDelete: true,
          initializeParams: {
            sourceImage: 'projects/cos-cloud/global/images/family/cos-stable',
            diskSizeGb: String(this.provider.boot_disk_size_gb),
          },
        },
        // Never auto-deleted: it holds the jobs, and outlives this VM.
        {
          boot: false,
          autoDelete: false,
          deviceName: STATE_DISK_DEVICE_NAME,
          mode: 'READ_WRITE',
          source: `projects/${this.project}/${zonePath}/disks/${this.diskName}`,
        },
      ],
      networkInterfaces: [
        {
          network: 'global/networks/default',
          ...(this.provider.internal_ip !== undefined ? { networkIP: this.provider.internal_ip } : {}),
          // IAP and direct access need no public address.
          accessConfigs: this.provider.access === 'ssh' ? [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }] : [],
        },
      ],
      serviceAccounts: [{ email: 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }],
    };
  }

  /** The public half of defaults.ssh.key_file, put in the VM's `ssh-keys` metadata so the CLI may log in. */
  private publicKey(): string | undefined {
    const keyFile = this.deps.ssh.key_file;
    if (keyFile === undefined) return undefined;
    const pub = `${expandHome(keyFile)}.pub`;
    return existsSync(pub) ? readFileSync(pub, 'utf8').trim() : undefined;
  }

  private async createInstance(): Promise<void> {
    const instanceResource = this.instanceResource();
    const action = `create controller instance ${this.instanceName}`;
    try {
      const [operation] = await this.options.compute().instances.insert({ project: this.project, zone: this.zone, instanceResource });
      await this.waitZoneOperation(operationName(operation), action);
    } catch (err) {
      throw wrap(err, action, this.zone);
    }
  }

  private async deleteInstance(name: string): Promise<void> {
    const action = `delete controller instance ${name}`;
    const byHand = `gcloud compute instances delete ${name} --zone ${this.zone} --project ${this.project} --quiet`;
    try {
      const [operation] = await this.options.compute().instances.delete({ project: this.project, zone: this.zone, instance: name });
      await this.waitZoneOperation(operationName(operation), action);
    } catch (err) {
      if (isNotFound(err)) return;
      throw (err as { code?: unknown }).code === 'IRIS_PROVIDER_ERROR' ? err : toProviderError(err, { action, zone: this.zone, byHand });
    }
  }

  private async waitZoneOperation(operation: string, action: string): Promise<void> {
    await waitForOperation(
      async () => {
        const [op] = await this.options.compute().zoneOperations.get({ project: this.project, zone: this.zone, operation });
        const errors = op.error?.errors ?? [];
        const first = errors[0];
        return {
          done: op.status === 'DONE',
          ...(first ? { error: Object.assign(new Error(first.message ?? 'operation failed'), { code: first.code, details: [] }) } : {}),
        };
      },
      { clock: this.deps.clock, pollMs: this.options.operationPollMs, timeoutMs: this.options.operationTimeoutMs, action, zone: this.zone },
    );
  }

  private async waitHealthy(): Promise<ControllerStatus> {
    // Booting a VM, pulling the image and mounting the disk take minutes.
    const deadline = this.deps.clock.now() + this.deps.timeouts.boot + this.deps.timeouts.init;
    for (;;) {
      const s = await this.status();
      if (s.running || this.deps.clock.now() >= deadline) return s;
      await this.deps.clock.sleep(Math.min(this.options.operationPollMs, 2_000));
    }
  }
}

function wrap(err: unknown, action: string, zone: string): Error {
  return (err as { code?: unknown }).code === 'IRIS_PROVIDER_ERROR' ? (err as Error) : toProviderError(err, { action, zone });
}

function expandHome(path: string): string {
  const home = process.env.HOME ?? homedir();
  return path === '~' ? home : path.startsWith('~/') ? `${home}/${path.slice(2)}` : path;
}
