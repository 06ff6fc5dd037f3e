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
import { LocalControllerHost } from './local-controller-host.js';
import { describeSlice, LocalVmManager, terminateLocalSlice } from './local-vm-manager.js';
import { SliceRecords } from './slice-records.js';

/** Workers as processes on this machine. Zones do not exist here; every query covers the machine. */
export class LocalPlatform implements Platform {
  readonly type = 'local';
  /** Workers are processes on the controller's machine: a loopback controller address reaches them. */
  readonly vmsShareControllerHost = true;
  private readonly records: SliceRecords;
  private readonly managers = new Map<string, LocalVmManager>();

  constructor(
    config: ProviderConfig,
    private readonly deps: PlatformDeps,
  ) {
    const workDir = typeof config.work_dir === 'string' ? config.work_dir : join(deps.stateDir, 'local-workers');
    this.records = new SliceRecords(workDir);
  }

  vmManager(group: ScaleGroupConfig): VmManager {
    let manager = this.managers.get(group.name);
    if (!manager) {
      manager = new LocalVmManager(group, this.records, this.deps);
      this.managers.set(group.name, manager);
    }
    return manager;
  }

  async listVms(query: ListVmsQuery): Promise<VmInfo[]> {
    return this.records
      .list()
      .filter((r) => matchesLabels(r.labels, query.labels))
      .flatMap((r) => describeSlice(r).vms);
  }

  async startVms(_request: StartVmsRequest): Promise<VmInfo[]> {
    // Local workers only exist as members of a scale group's slice, which carries their resources.
    throw new ProviderError('invalid_request', 'the local provider starts workers only through a scale group', {
      provider: 'local',
    });
  }

  async stopVms(vmIds: readonly string[]): Promise<void> {
    const wanted = new Set(vmIds);
    const slices = this.records.list().filter((r) => r.vms.some((vm) => wanted.has(vm.vmId)));
    // A VM is one member of an indivisible slice: stopping it ends the slice.
    await Promise.all(slices.map((slice) => terminateLocalSlice(this.records, slice.sliceId, this.deps.clock)));
  }

  async tunnel(address: string): Promise<Tunnel> {
    // Everything is on this machine: the address is already reachable.
    return { localAddress: address, close: async () => undefined };
  }

  controllerHost(controller: ControllerConfig): ControllerHost {
    return new LocalControllerHost(controller, this.deps);
  }
}

export const localPlatformFactory: PlatformFactory = {
  type: 'local',
  create: (config, deps) => new LocalPlatform(config, deps),
};
