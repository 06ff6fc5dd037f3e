import {
  LABEL_GROUP,
  LABEL_REQUEST,
  LABEL_ROLE,
  LABEL_SLICE,
  ProviderError,
  clusterLabels,
  isProviderError,
  matchesLabels,
  sanitizeLabelValue,
  type CreateSliceRequest,
  type ScaleGroupConfig,
  type SliceInfo,
  type VmManager,
} from '@iris/core';
import { isAlreadyExists, isNotFound, toProviderError } from '../api/gcp-errors.js';
import { waitForOperation } from '../api/wait-operation.js';
import { queuesResources, resolveCapacity } from '../capacity.js';
import { resolveRuntimeVersion } from '../runtime-versions.js';
import { BootPhases } from './boot-phases.js';
import { deleteAndWait } from './delete-and-wait.js';
import type { GcpContext } from './gcp-context.js';
import { queuedLabels, queuedNodeName, queuedResourceBody, queuedStateName, queuedToSlice } from './queued-resource.js';
import { createQueuedResource, deleteQueuedResource, getQueuedResource, listQueuedResources } from './queued-resource-api.js';
import { renderWorkerStartupScript } from './startup-script.js';
import { nodeParent, nodeToSlice, tpuNodeId, type TpuNodeView } from './tpu-node.js';

/**
 * One scale group's TPU slices. A slice is one TPU node of the group's accelerator_variant; a
 * multi-host node's hosts are its VMs. Every call is scoped to the group's zones.
 */
export class TpuVmManager implements VmManager {
  readonly group: string;
  /** Where each slice lives, learned from creates and listings, so terminate need not probe zones. */
  private readonly zoneOfSlice = new Map<string, string>();
  private readonly bootPhases: BootPhases;

  constructor(
    private readonly groupConfig: ScaleGroupConfig,
    private readonly ctx: GcpContext,
  ) {
    this.group = groupConfig.name;
    this.bootPhases = new BootPhases(() => ctx.tpu);
  }

  /** The labels that make a node this group's: what listing (and so adoption) selects on. */
  get selector(): Record<string, string> {
    return clusterLabels(this.ctx.deps.clusterName, { [LABEL_GROUP]: sanitizeLabelValue(this.group) });
  }

  /** Whether this group's slices are queued resources (queued_resource, or a named reservation). */
  private get queued(): boolean {
    return queuesResources(this.ctx.config);
  }

  async createSlice(request: CreateSliceRequest): Promise<SliceInfo> {
    const nodeId = tpuNodeId(this.ctx.deps.clusterName, this.group, request.requestId);
    if (this.queued) return this.createQueuedSlice(request, nodeId);
    const zones = request.zone !== undefined ? [request.zone] : [...this.ctx.config.zones];
    // A retried request must find the first attempt's node wherever it landed, or a later zone
    // with capacity again would get a second slice.
    const existing = await this.findNode(nodeId, [...new Set([...zones, ...this.ctx.config.zones])]);
    if (existing) return existing;

    const node = this.nodeBody(request, nodeId);
    let lastStockout: ProviderError | undefined;
    for (const zone of zones) {
      try {
        return await this.createInZone(zone, nodeId, node);
      } catch (err) {
        const failure = isProviderError(err) ? err : toProviderError(err, { action: `create TPU node ${nodeId}`, zone });
        if (failure.kind !== 'capacity') throw failure;
        this.ctx.deps.logger.warn('gcp: zone out of capacity, trying the next zone', { group: this.group, zone });
        lastStockout = failure;
      }
    }
    throw new ProviderError(
      'capacity',
      `gcp: no capacity for ${this.groupConfig.accelerator_variant} in any zone of group "${this.group}" (${zones.join(', ')}); add zones or another group`,
      { provider: 'gcp', cause: lastStockout },
    );
  }

  private async createInZone(zone: string, nodeId: string, node: Record<string, unknown>): Promise<SliceInfo> {
    const parent = nodeParent(this.ctx.config.project_id, zone);
    const action = `create TPU node ${nodeId}`;
    await this.ctx.createLimiter.acquire();
    let operationName: string;
    try {
      const [operation] = await this.ctx.tpu.createNode({ parent, nodeId, node });
      operationName = operation.name ?? '';
    } catch (err) {
      // Another create with the same request id won the race: that node is the answer.
      if (isAlreadyExists(err)) return this.getSlice(zone, nodeId);
      throw toProviderError(err, { action, zone });
    }
    this.zoneOfSlice.set(nodeId, zone);
    try {
      await waitForOperation(
        async () => {
          const op = await this.ctx.tpu.checkCreateNodeProgress(operationName);
          return { done: op.done === true, error: op.error ?? undefined };
        },
        { clock: this.ctx.deps.clock, pollMs: this.ctx.operationPollMs, timeoutMs: this.ctx.operationTimeoutMs, action, zone },
      );
    } catch (err) {
      if (isProviderError(err)) throw err;
      this.zoneOfSlice.delete(nodeId);
      throw toProviderError(err, { action, zone });
    }
    return this.getSlice(zone, nodeId);
  }

  /**
   * The slice as a queued resource of the same id as its node: created in the first zone that
   * accepts it (a reservation's zone only), returned as soon as GCP accepted it. Its VMs stay
   * `requesting` while it waits in the queue; listings follow it to ACTIVE.
   */
  private async createQueuedSlice(request: CreateSliceRequest, nodeId: string): Promise<SliceInfo> {
    const plan = resolveCapacity(this.ctx.config, this.groupConfig);
    const allZones = plan.reservationZone !== undefined ? [plan.reservationZone] : [...this.ctx.config.zones];
    const zones = request.zone !== undefined && plan.reservationZone === undefined ? [request.zone] : allZones;
    const existing = await this.findQueued(nodeId, [...new Set([...zones, ...allZones])]);
    if (existing) return existing;

    const node = this.nodeBody(request, nodeId);
    let lastStockout: ProviderError | undefined;
    for (const zone of zones) {
      try {
        const body = queuedResourceBody(nodeParent(this.ctx.config.project_id, zone), nodeId, node, plan);
        await createQueuedResource(this.ctx, zone, nodeId, body);
        this.zoneOfSlice.set(nodeId, zone);
        const created = await this.findQueued(nodeId, [zone]);
        if (!created) {
          throw new ProviderError('transient', `gcp: TPU queued resource ${nodeId} vanished in ${zone} right after its creation`, { provider: 'gcp', zone });
        }
        return created;
      } catch (err) {
        const failure = isProviderError(err) ? err : toProviderError(err, { action: `create TPU queued resource ${nodeId}`, zone });
        if (failure.kind !== 'capacity') throw failure;
        this.ctx.deps.logger.warn('gcp: zone refused the queued resource for capacity, trying the next zone', { group: this.group, zone });
        lastStockout = failure;
      }
    }
    throw new ProviderError(
      'capacity',
      `gcp: no zone of group "${this.group}" (${zones.join(', ')}) accepted a queued resource for ${this.groupConfig.accelerator_variant}; add zones or another group`,
      { provider: 'gcp', cause: lastStockout },
    );
  }

  /** The queued resource of this id in the first of `zones` that has it, with its node once ACTIVE. */
  private async findQueued(id: string, zones: readonly string[]): Promise<SliceInfo | undefined> {
    for (const zone of zones) {
      const qr = await getQueuedResource(this.ctx, zone, id);
      if (!qr) continue;
      this.zoneOfSlice.set(id, zone);
      const nodeName = queuedNodeName(qr);
      const node = nodeName !== undefined && queuedStateName(qr.state?.state) === 'ACTIVE' ? await this.nodeView(zone, nodeName) : undefined;
      return queuedToSlice(qr, node, this.group, this.groupConfig.slice_size, this.ctx.deps.clock.now());
    }
    return undefined;
  }

  private async nodeView(zone: string, name: string): Promise<TpuNodeView | undefined> {
    try {
      const [node] = await this.ctx.tpu.getNode({ name });
      return node as TpuNodeView;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toProviderError(err, { action: `get TPU node ${name.replace(/.*\//, '')}`, zone });
    }
  }

  private nodeBody(request: CreateSliceRequest, nodeId: string): Record<string, unknown> {
    const { config, deps } = this.ctx;
    const runtimeVersion = resolveRuntimeVersion(config, this.groupConfig);
    if (runtimeVersion === undefined) {
      throw new ProviderError(
        'invalid_request',
        `gcp: scale_groups.${this.group}: no runtime_version known for accelerator_variant "${this.groupConfig.accelerator_variant}"; set provider.runtime_version`,
        { provider: 'gcp' },
      );
    }
    const capacity = resolveCapacity(config, this.groupConfig);
    const container = request.bootstrap.container;
    const image = container?.image ?? deps.bootstrap.docker_image;
    // The controller worked out the address and minted the slice's join token (CreateSliceRequest.launch).
    const { launch } = request;
    const controllerAddress = launch.controllerUrl;
    const token = launch.joinToken;
    const workerEnv = { ...launch.env, ...(container?.env ?? {}) };
    if (image === undefined) {
      throw new ProviderError('invalid_request', `gcp: scale_groups.${this.group}: TPU workers need defaults.bootstrap.docker_image to bootstrap`, {
        provider: 'gcp',
      });
    }
    const labels: Record<string, string> = {
      ...sanitizeLabels(config.labels),
      ...sanitizeLabels(request.labels),
      ...sanitizeLabels(request.bootstrap.labels),
      ...this.selector,
      [LABEL_SLICE]: nodeId,
      [LABEL_REQUEST]: sanitizeLabelValue(request.requestId),
      [LABEL_ROLE]: 'worker',
    };
    const startupScript =
      request.bootstrap.bootstrapScript ??
      renderWorkerStartupScript({
        image,
        controllerAddress,
        ...(token !== undefined ? { token } : {}),
        cacheDir: deps.bootstrap.cache_dir,
        env: workerEnv,
        attributes: { ...launch.attributes, 'iris-group': this.group, 'iris-slice': nodeId },
        ...(config.startup_script_extra !== undefined ? { extra: config.startup_script_extra } : {}),
      });
    return {
      acceleratorType: this.groupConfig.accelerator_variant,
      runtimeVersion,
      labels,
      metadata: { 'startup-script': startupScript },
      networkConfig: {
        network: config.network,
        ...(config.subnetwork !== undefined ? { subnetwork: config.subnetwork } : {}),
        enableExternalIps: true,
      },
      schedulingConfig: {
        preemptible: capacity.capacity === 'preemptible',
        spot: capacity.capacity === 'spot',
        reserved: capacity.capacity === 'reserved',
      },
      ...(config.service_account !== undefined ? { serviceAccount: { email: config.service_account } } : {}),
    };
  }

  async listSlices(): Promise<SliceInfo[]> {
    const slices: SliceInfo[] = [];
    for (const zone of this.ctx.config.zones) {
      // A queued resource is the slice from its request on; its node, once there, is part of it.
      // Listed before the nodes, so a node that appeared meanwhile is in the node listing.
      const queued = this.queued ? await listQueuedResources(this.ctx, zone) : [];
      const nodes = await this.listZone(zone);
      const claimed = new Set<string>();
      if (queued.length > 0) {
        const byName = new Map(nodes.map((n) => [n.name ?? '', n]));
        for (const qr of queued) {
          if (!matchesLabels(queuedLabels(qr), this.selector)) continue;
          const nodeName = queuedNodeName(qr) ?? '';
          claimed.add(nodeName);
          const slice = queuedToSlice(qr, byName.get(nodeName), this.group, this.groupConfig.slice_size, this.ctx.deps.clock.now());
          this.zoneOfSlice.set(slice.sliceId, zone);
          slices.push(await this.bootPhases.annotate(slice, nodeName));
        }
      }
      for (const node of nodes) {
        if (claimed.has(node.name ?? '') || !matchesLabels(node.labels ?? {}, this.selector)) continue;
        const slice = this.toSlice(node);
        this.zoneOfSlice.set(slice.sliceId, zone);
        slices.push(await this.bootPhases.annotate(slice, node.name ?? ''));
      }
    }
    return slices;
  }

  async terminateSlice(sliceId: string): Promise<void> {
    const known = this.zoneOfSlice.get(sliceId);
    const zones = known !== undefined ? [known, ...this.ctx.config.zones.filter((z) => z !== known)] : this.ctx.config.zones;
    for (const zone of zones) {
      // Deleting a queued resource (with force) deletes its node; one still queued has no node.
      const queuedGone = this.queued && (await deleteQueuedResource(this.ctx, zone, sliceId));
      if (queuedGone || (await deleteTpuNode(this.ctx, zone, sliceId))) {
        this.zoneOfSlice.delete(sliceId);
        this.bootPhases.forget(`${nodeParent(this.ctx.config.project_id, zone)}/nodes/${sliceId}`);
        return;
      }
    }
    // Nowhere to be found: already gone, which is what terminate wants.
    this.zoneOfSlice.delete(sliceId);
  }

  private async listZone(zone: string): Promise<TpuNodeView[]> {
    try {
      const [nodes] = await this.ctx.tpu.listNodes({ parent: nodeParent(this.ctx.config.project_id, zone) });
      return nodes as TpuNodeView[];
    } catch (err) {
      throw toProviderError(err, { action: `list TPU nodes`, zone });
    }
  }

  private async findNode(nodeId: string, zones: readonly string[]): Promise<SliceInfo | undefined> {
    for (const zone of zones) {
      try {
        const [node] = await this.ctx.tpu.getNode({ name: `${nodeParent(this.ctx.config.project_id, zone)}/nodes/${nodeId}` });
        this.zoneOfSlice.set(nodeId, zone);
        return this.toSlice(node as TpuNodeView);
      } catch (err) {
        if (!isNotFound(err)) throw toProviderError(err, { action: `get TPU node ${nodeId}`, zone });
      }
    }
    return undefined;
  }

  private async getSlice(zone: string, nodeId: string): Promise<SliceInfo> {
    const found = await this.findNode(nodeId, [zone]);
    if (!found) {
      throw new ProviderError('transient', `gcp: TPU node ${nodeId} vanished in ${zone} right after its creation`, { provider: 'gcp', zone });
    }
    return found;
  }

  private toSlice(node: TpuNodeView): SliceInfo {
    return nodeToSlice(node, this.group, this.groupConfig.slice_size, this.ctx.deps.clock.now());
  }
}

/**
 * Deletes a node and waits for the deletion. False when there was no such node in the zone, so
 * deleting twice, or a node that is already going, is not an error.
 */
export async function deleteTpuNode(ctx: GcpContext, zone: string, nodeId: string): Promise<boolean> {
  return deleteAndWait(ctx, {
    action: `delete TPU node ${nodeId}`,
    zone,
    byHand: `gcloud compute tpus tpu-vm delete ${nodeId} --zone ${zone} --project ${ctx.config.project_id} --quiet`,
    start: async () => (await ctx.tpu.deleteNode({ name: `${nodeParent(ctx.config.project_id, zone)}/nodes/${nodeId}` }))[0],
    progress: (operationName) => ctx.tpu.checkDeleteNodeProgress(operationName),
  });
}

function sanitizeLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[sanitizeLabelValue(k)] = sanitizeLabelValue(v);
  return out;
}
