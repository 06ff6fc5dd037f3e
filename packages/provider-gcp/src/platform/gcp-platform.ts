import {
  ProviderError,
  matchesLabels,
  type Clock,
  type ControllerHost,
  type InstanceTypeOffering,
  type ListVmsQuery,
  type Platform,
  type PlatformDeps,
  type PlatformFactory,
  type ProviderConfig,
  type ScaleGroupConfig,
  type StartVmsRequest,
  type Tunnel,
  type VmInfo,
  type VmManager,
} from '@iris/core';
import { createTpuClient } from '../api/clients.js';
import { CreateRateLimiter } from '../api/create-rate-limiter.js';
import { toProviderError } from '../api/gcp-errors.js';
import type { GcpControllerConfig, GcpProviderConfig } from '../config-types.js';
import { GcpControllerPlatform } from '../controller/gcp-controller-platform.js';
import { queuesResources } from '../capacity.js';
import { tpuHostCount } from '../validate/tpu-topology.js';
import type { GcpContext } from './gcp-context.js';
import { queuedLabels, queuedNodeName, queuedToSlice } from './queued-resource.js';
import { deleteQueuedResource, listQueuedResources } from './queued-resource-api.js';
import { nodeParent, nodeToSlice, type TpuNodeView } from './tpu-node.js';
import { estimateTpuCost, tpuHourlyPrice } from './tpu-prices.js';
import { deleteTpuNode, TpuVmManager } from './tpu-vm-manager.js';

/** GCP's TPU create quota: about 91 requests a minute per project. */
export const TPU_CREATES_PER_MINUTE = 91;
export const OPERATION_POLL_MS = 5_000;

export interface GcpPlatformOptions {
  createLimiter: CreateRateLimiter;
  operationPollMs: number;
  /** How long a create/delete operation may run before Iris stops waiting (TPU creates take minutes). */
  operationTimeoutMs: number;
}

/** TPU VM slices through the TPU v2 API; the controller on a GCE VM through the Compute API. */
export class GcpPlatform implements Platform {
  readonly type = 'gcp';
  private readonly ctx: GcpContext;
  private readonly managers = new Map<string, TpuVmManager>();

  constructor(
    readonly config: GcpProviderConfig,
    private readonly deps: PlatformDeps,
    options: GcpPlatformOptions,
  ) {
    this.ctx = {
      config,
      deps,
      tpu: createTpuClient(config.api_endpoint, { now: () => deps.clock.now() }),
      createLimiter: options.createLimiter,
      operationPollMs: options.operationPollMs,
      operationTimeoutMs: options.operationTimeoutMs,
    };
  }

  /**
   * Against a local emulator (an http:// loopback api_endpoint) the TPU "VMs" run on this machine
   * and reach a loopback controller; real TPU VMs need defaults.bootstrap.controller_address.
   */
  controllerUrlForVms(boundUrl: string): string | undefined {
    const endpoint = this.config.api_endpoint;
    if (!endpoint || !/^http:\/\/(127\.|localhost[:/]|localhost$|\[::1\])/.test(endpoint)) return undefined;
    const url = new URL(boundUrl);
    if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
    return url.toString().replace(/\/+$/, '');
  }

  vmManager(group: ScaleGroupConfig): VmManager {
    let manager = this.managers.get(group.name);
    if (!manager) {
      manager = new TpuVmManager(group, this.ctx);
      this.managers.set(group.name, manager);
    }
    return manager;
  }

  async listVms(query: ListVmsQuery): Promise<VmInfo[]> {
    const zone = this.requireZone(query.zone, 'listVms');
    // Queued resources first: one that turns ACTIVE meanwhile then has its node in the node listing.
    const queuedResources = queuesResources(this.config) ? await listQueuedResources(this.ctx, zone) : undefined;
    let nodes: TpuNodeView[];
    try {
      [nodes] = (await this.ctx.tpu.listNodes({ parent: nodeParent(this.config.project_id, zone) })) as unknown as [TpuNodeView[]];
    } catch (err) {
      throw toProviderError(err, { action: 'list TPU nodes', zone });
    }
    const now = this.deps.clock.now();
    const vms = nodes.filter((n) => matchesLabels(n.labels ?? {}, query.labels)).flatMap((n) => nodeToSlice(n, '', 0, now).vms);
    if (!queuedResources) return vms;
    // A queued resource still waiting has no node, but it is this cluster's and must be found.
    const listedNodes = new Set(nodes.map((n) => n.name ?? ''));
    const queued = queuedResources.filter((qr) => matchesLabels(queuedLabels(qr), query.labels) && !listedNodes.has(queuedNodeName(qr) ?? ''));
    const hosts = (qr: (typeof queued)[number]): number => tpuHostCount(qr.tpu?.nodeSpec?.[0]?.node?.acceleratorType ?? '') ?? 1;
    return [...vms, ...queued.flatMap((qr) => queuedToSlice(qr, undefined, '', hosts(qr), now).vms)];
  }

  async startVms(_request: StartVmsRequest): Promise<VmInfo[]> {
    // A TPU VM exists only as a host of a TPU node, which a scale group's slice describes.
    throw new ProviderError('invalid_request', 'gcp: TPU VMs are created as slices of a scale group, not one by one', {
      provider: 'gcp',
    });
  }

  async stopVms(vmIds: readonly string[], zone?: string): Promise<void> {
    const z = this.requireZone(zone, 'stopVms');
    // A VM is one host of an indivisible node: stopping it deletes the node.
    const nodeIds = new Set(vmIds.map((id) => id.replace(/-w-\d+$/, '')));
    for (const nodeId of nodeIds) {
      // A queued resource and its node share the id; deleting the queued resource deletes the node.
      if (queuesResources(this.config) && (await deleteQueuedResource(this.ctx, z, nodeId))) continue;
      await deleteTpuNode(this.ctx, z, nodeId);
    }
  }

  async tunnel(address: string): Promise<Tunnel> {
    // Iris never dials a TPU VM (workers dial the controller); the controller's own tunnel is the
    // controller platform's (GcpControllerPlatform).
    return { localAddress: address, close: async () => undefined };
  }

  controllerHost(): ControllerHost {
    throw new ProviderError('invalid_request', "gcp: the controller runs on the platform of controller.provider, not on a scale group's", { provider: 'gcp' });
  }

  /** TPU types each configured zone offers, priced from the package's table. */
  async listInstanceTypes(): Promise<InstanceTypeOffering[]> {
    const zonesByType = new Map<string, string[]>();
    for (const zone of this.config.zones) {
      try {
        const [types] = await this.ctx.tpu.listAcceleratorTypes({ parent: nodeParent(this.config.project_id, zone) });
        for (const t of types) {
          if (!t.type) continue;
          zonesByType.set(t.type, [...(zonesByType.get(t.type) ?? []), zone]);
        }
      } catch (err) {
        throw toProviderError(err, { action: 'list TPU accelerator types', zone });
      }
    }
    return [...zonesByType.entries()]
      .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
      .map(([name, zones]) => {
        const onDemand = tpuHourlyPrice(name, false);
        const preemptible = tpuHourlyPrice(name, true);
        return {
          name,
          accelerator: 'tpu',
          zones,
          ...(onDemand !== undefined ? { pricePerHour: onDemand } : {}),
          ...(preemptible !== undefined ? { preemptiblePricePerHour: preemptible } : {}),
          available: true,
          preemptible: preemptible !== undefined,
        };
      });
  }

  estimateCost(group: ScaleGroupConfig, hours: number): number | undefined {
    return estimateTpuCost(group, hours);
  }

  async close(): Promise<void> {
    await this.ctx.tpu.close();
  }

  private requireZone(zone: string | undefined, call: string): string {
    if (zone === undefined) {
      throw new ProviderError('invalid_request', `gcp: ${call} needs a zone (one of ${this.config.zones.join(', ')}); zones are never swept implicitly`, {
        provider: 'gcp',
      });
    }
    return zone;
  }
}

/** Builds a factory whose platforms share one create-rate limiter per GCP project. */
export function createGcpPlatformFactory(): PlatformFactory {
  const limiters = new Map<string, CreateRateLimiter>();
  const limiterFor = (project: string, clock: Clock): CreateRateLimiter => {
    let limiter = limiters.get(project);
    if (!limiter) {
      limiter = new CreateRateLimiter(clock, TPU_CREATES_PER_MINUTE);
      limiters.set(project, limiter);
    }
    return limiter;
  };
  return {
    type: 'gcp',
    create: (config: ProviderConfig, deps: PlatformDeps): Platform => {
      if (isControllerBlock(config)) {
        return new GcpControllerPlatform(config, deps, { operationPollMs: OPERATION_POLL_MS, operationTimeoutMs: deps.timeouts.boot });
      }
      if (!isGroupBlock(config)) throw new ProviderError('invalid_request', 'gcp: not a gcp provider block', { provider: 'gcp' });
      const gcp = config;
      return new GcpPlatform(gcp, deps, {
        createLimiter: limiterFor(gcp.project_id, deps.clock),
        operationPollMs: OPERATION_POLL_MS,
        operationTimeoutMs: deps.timeouts.boot,
      });
    },
  };
}

export const gcpPlatformFactory: PlatformFactory = createGcpPlatformFactory();

/**
 * The registry creates the controller's platform from the `controller.provider` block, a group's
 * from its `provider` block; only a group's block has (required) `zones`.
 */
function isControllerBlock(config: ProviderConfig): config is GcpControllerConfig & ProviderConfig {
  return !('zones' in config) && 'machine_type' in config;
}

function isGroupBlock(config: ProviderConfig): config is GcpProviderConfig & ProviderConfig {
  return 'zones' in config;
}
