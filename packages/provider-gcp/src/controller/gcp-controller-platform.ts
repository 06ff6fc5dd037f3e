import {
  ProviderError,
  parseDuration,
  type ControllerConfig,
  type ControllerHost,
  type ListVmsQuery,
  type Platform,
  type PlatformDeps,
  type ProviderConfig,
  type StartVmsRequest,
  type StateSnapshots,
  type Tunnel,
  type VmInfo,
  type VmManager,
} from '@iris/core';
import { createComputeClients, type ComputeClients } from '../api/clients.js';
import type { GcpControllerConfig } from '../config-types.js';
import { GceControllerHost } from './gce-controller-host.js';
import { GcsSnapshotStore } from './gcs-snapshot-store.js';

const DEFAULT_SNAPSHOT_INTERVAL = '10m';
const DEFAULT_SNAPSHOTS_KEPT = 10;

export interface GcpControllerPlatformOptions {
  operationPollMs: number;
  operationTimeoutMs: number;
}

/**
 * The platform of a `controller.provider: {type: gcp}` block: it hosts the controller on a GCE VM
 * and tunnels to it. Scale groups have platforms of their own (GcpPlatform).
 */
export class GcpControllerPlatform implements Platform {
  readonly type = 'gcp';
  private compute: ComputeClients | undefined;
  private host: GceControllerHost | undefined;

  constructor(
    readonly config: GcpControllerConfig & ProviderConfig,
    private readonly deps: PlatformDeps,
    private readonly options: GcpControllerPlatformOptions,
  ) {}

  controllerHost(controller: ControllerConfig): ControllerHost {
    return this.gceHost(controller);
  }

  /** SSH port forwarding to the controller VM (its external IP, or IAP), with its host key pinned. */
  async tunnel(address: string): Promise<Tunnel> {
    return this.gceHost(undefined).tunnel(address);
  }

  /** With `state_bucket`: snapshots of the controller's database in `gs://<bucket>/<cluster>/`. */
  stateSnapshots(): StateSnapshots | undefined {
    const bucket = this.config.state_bucket;
    if (bucket === undefined) return undefined;
    return {
      store: new GcsSnapshotStore({
        bucket,
        prefix: `${this.deps.clusterName}/`,
        ...(this.config.project_id !== undefined ? { projectId: this.config.project_id } : {}),
        ...(this.config.api_endpoint !== undefined ? { apiEndpoint: this.config.api_endpoint } : {}),
      }),
      intervalMs: parseDuration(this.config.state_snapshot_interval ?? DEFAULT_SNAPSHOT_INTERVAL),
      keep: this.config.state_snapshots_kept ?? DEFAULT_SNAPSHOTS_KEPT,
    };
  }

  vmManager(): VmManager {
    throw this.noGroups();
  }

  async listVms(_query: ListVmsQuery): Promise<VmInfo[]> {
    throw this.noGroups();
  }

  async startVms(_request: StartVmsRequest): Promise<VmInfo[]> {
    throw this.noGroups();
  }

  async stopVms(): Promise<void> {
    throw this.noGroups();
  }

  async close(): Promise<void> {
    await this.compute?.close();
    this.compute = undefined;
  }

  private gceHost(controller: ControllerConfig | undefined): GceControllerHost {
    if (this.host && controller === undefined) return this.host;
    const { project_id: project, zone } = this.config;
    if (project === undefined || zone === undefined) {
      throw new ProviderError(
        'invalid_request',
        `gcp: controller.provider needs ${project === undefined ? 'project_id' : 'zone'}: the controller VM's project and zone are set in its own block`,
        { provider: 'gcp' },
      );
    }
    this.host = new GceControllerHost(controller ?? { provider: this.config, state_dir: this.deps.stateDir, worker_timeout: 0 }, this.config, this.deps, {
      compute: () => (this.compute ??= createComputeClients(this.config.api_endpoint, { now: () => this.deps.clock.now() })),
      project,
      zone,
      operationPollMs: this.options.operationPollMs,
      operationTimeoutMs: this.options.operationTimeoutMs,
    });
    return this.host;
  }

  private noGroups(): ProviderError {
    return new ProviderError('invalid_request', 'gcp: a controller.provider block hosts the controller only; scale groups name their own gcp provider', {
      provider: 'gcp',
    });
  }
}
