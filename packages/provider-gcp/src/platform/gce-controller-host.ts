import {
  LABEL_ROLE,
  ProviderError,
  clusterLabels,
  sanitizeLabelValue,
  type ControllerConfig,
  type ControllerHost,
  type ControllerStatus,
  type PlatformDeps,
} from '@iris/core';
import type { ComputeClients } from '../api/clients.js';
import { isNotFound, toProviderError } from '../api/gcp-errors.js';
import { waitForOperation } from '../api/wait-operation.js';
import type { GcpControllerConfig, GcpProviderConfig } from '../config-types.js';
import { renderControllerStartupScript } from './startup-script.js';

/** Fields of a Compute `Instance` the host reads. */
interface InstanceView {
  name?: string | null;
  status?: string | null;
  networkInterfaces?: ({ networkIP?: string | null } | null)[] | null;
}

const HEALTH_PROBE_TIMEOUT_MS = 2_000;
/** Instance states from which the VM will not come back by itself: replace it. */
const DEAD_STATES = new Set(['TERMINATED', 'STOPPED', 'SUSPENDED', 'STOPPING', 'SUSPENDING']);

export interface GceControllerHostOptions {
  compute: () => ComputeClients;
  /** The cluster's gcp provider block, for the project and zone the controller block may omit. */
  fallback: GcpProviderConfig | undefined;
  operationPollMs: number;
  operationTimeoutMs: number;
}

/**
 * The controller on a GCE VM, running the controller image from its startup script. Found again by
 * its labels, so `iris start` twice reuses a healthy controller instead of making a second one.
 */
export class GceControllerHost implements ControllerHost {
  private readonly project: string;
  private readonly zone: string;
  private readonly provider: GcpControllerConfig;
  readonly instanceName: string;

  constructor(
    private readonly controller: ControllerConfig,
    private readonly deps: PlatformDeps,
    private readonly options: GceControllerHostOptions,
  ) {
    this.provider = controller.provider as unknown as GcpControllerConfig;
    const project = this.provider.project_id ?? options.fallback?.project_id;
    const zone = this.provider.zone ?? options.fallback?.zones[0];
    if (project === undefined || zone === undefined) {
      throw new ProviderError(
        'invalid_request',
        'gcp: controller.provider needs project_id and zone (or a top-level gcp provider to take them from)',
        { provider: 'gcp' },
      );
    }
    this.project = project;
    this.zone = zone;
    this.instanceName = `iris-controller-${sanitizeLabelValue(deps.clusterName).replace(/_/g, '-')}`.slice(0, 63);
  }

  private get labels(): Record<string, string> {
    return clusterLabels(this.deps.clusterName, { [LABEL_ROLE]: 'controller' });
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
    const healthy = await probeHealth(address);
    return healthy
      ? { running: true, address, location }
      : { running: false, address, location, detail: 'instance is RUNNING but the controller does not answer /health' };
  }

  async address(): Promise<string | undefined> {
    const s = await this.status();
    return s.running ? s.address : undefined;
  }

  async start(): Promise<ControllerStatus> {
    let instance = await this.find();
    if (instance && DEAD_STATES.has(instance.status ?? '')) {
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

  async stop(): Promise<void> {
    const instance = await this.find();
    if (instance) await this.deleteInstance(instance.name ?? this.instanceName);
  }

  private async createInstance(): Promise<void> {
    const image = this.provider.image ?? this.controller.image;
    if (image === undefined) {
      throw new ProviderError('invalid_request', 'gcp: the controller needs an image: set controller.image or controller.provider.image', {
        provider: 'gcp',
      });
    }
    const zonePath = `zones/${this.zone}`;
    const instanceResource = {
      name: this.instanceName,
      machineType: `${zonePath}/machineTypes/${this.provider.machine_type}`,
      labels: this.labels,
      metadata: { items: [{ key: 'startup-script', value: renderControllerStartupScript({ image, port: this.provider.port }) }] },
      disks: [
        {
          boot: true,
          autoDelete: true,
          initializeParams: {
            sourceImage: 'projects/cos-cloud/global/images/family/cos-stable',
            diskSizeGb: String(this.provider.boot_disk_size_gb),
          },
        },
      ],
      networkInterfaces: [{ network: 'global/networks/default', accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }] }],
      serviceAccounts: [{ email: 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }],
    };
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
    try {
      const [operation] = await this.options.compute().instances.delete({ project: this.project, zone: this.zone, instance: name });
      await this.waitZoneOperation(operationName(operation), action);
    } catch (err) {
      if (isNotFound(err)) return;
      throw wrap(err, action, this.zone);
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
    const deadline = this.deps.clock.now() + this.deps.timeouts.boot;
    for (;;) {
      const s = await this.status();
      if (s.running || this.deps.clock.now() >= deadline) return s;
      await this.deps.clock.sleep(this.options.operationPollMs);
    }
  }
}

/** A Compute ExtendedOperation names its operation in `latestResponse.name` (its `name` is the id). */
function operationName(operation: unknown): string {
  const latest = (operation as { latestResponse?: { name?: unknown } }).latestResponse;
  return typeof latest?.name === 'string' ? latest.name : String((operation as { name?: unknown }).name);
}

function wrap(err: unknown, action: string, zone: string): Error {
  return (err as { code?: unknown }).code === 'IRIS_PROVIDER_ERROR' ? (err as Error) : toProviderError(err, { action, zone });
}

async function probeHealth(address: string): Promise<boolean> {
  try {
    const res = await fetch(`${address}/health`, { signal: AbortSignal.timeout(HEALTH_PROBE_TIMEOUT_MS) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}
