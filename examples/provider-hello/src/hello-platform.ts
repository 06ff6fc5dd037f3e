import { join } from 'node:path';
import {
  ProviderError,
  matchesLabels,
  type ControllerConfig,
  type ControllerHost,
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
import { describeHelloSlice, HelloVmManager, terminateHelloSlice } from './hello-vm-manager.js';
import type { HelloProviderConfig } from './schema.js';
import { SliceStore } from './slice-store.js';

/** Workers as processes on the controller's machine. There are no zones: every query covers it. */
export class HelloPlatform implements Platform {
  readonly type = 'hello';
  /** Its "VMs" are processes on the controller's machine, so a loopback controller address reaches them. */
  readonly vmsShareControllerHost = true;
  private readonly store: SliceStore;
  private readonly config: HelloProviderConfig;
  private readonly managers = new Map<string, HelloVmManager>();

  constructor(
    config: ProviderConfig,
    private readonly deps: PlatformDeps,
  ) {
    // Core applied the schema's defaults at load; a config built by hand may still lack them.
    this.config = { greeting: 'hello', ...(config as Partial<HelloProviderConfig>), type: 'hello' };
    this.store = new SliceStore(this.config.work_dir ?? join(deps.stateDir, 'hello-workers'));
  }

  vmManager(group: ScaleGroupConfig): VmManager {
    let manager = this.managers.get(group.name);
    if (!manager) {
      manager = new HelloVmManager(group, this.config, this.store, this.deps);
      this.managers.set(group.name, manager);
    }
    return manager;
  }

  async listVms(query: ListVmsQuery): Promise<VmInfo[]> {
    return this.store
      .list()
      .filter((r) => matchesLabels(r.labels, query.labels))
      .flatMap((r) => describeHelloSlice(r).vms);
  }

  async startVms(_request: StartVmsRequest): Promise<VmInfo[]> {
    throw new ProviderError('invalid_request', 'hello starts workers only as slices of a scale group', { provider: 'hello' });
  }

  async stopVms(vmIds: readonly string[]): Promise<void> {
    const wanted = new Set(vmIds);
    const slices = this.store.list().filter((r) => r.vms.some((vm) => wanted.has(vm.vmId)));
    // A VM is one member of an indivisible slice: stopping it ends its slice.
    await Promise.all(slices.map((s) => terminateHelloSlice(this.store, s.sliceId, this.deps)));
  }

  async tunnel(address: string): Promise<Tunnel> {
    return { localAddress: address, close: async () => undefined };
  }

  controllerHost(_controller: ControllerConfig): ControllerHost {
    const refuse = async (): Promise<never> => {
      throw new ProviderError('invalid_request', 'hello cannot host the controller; use controller.provider {type: local}', { provider: 'hello' });
    };
    return { start: refuse, stop: refuse, status: refuse, address: refuse };
  }
}

export const helloPlatformFactory: PlatformFactory = {
  type: 'hello',
  create: (config, deps) => new HelloPlatform(config, deps),
};
