import { join } from 'node:path';
import {
  LABEL_CLUSTER,
  LABEL_GROUP,
  LABEL_REQUEST,
  LABEL_SLICE,
  ProviderError,
  aggregateSliceState,
  matchesLabels,
  sanitizeLabelValue,
  type CreateSliceRequest,
  type PlatformDeps,
  type ScaleGroupConfig,
  type SliceInfo,
  type VmInfo,
  type VmManager,
} from '@iris/core';
import { assertWorkerLaunch, sliceIdFor, workerJoinCommand } from '@iris/core/provider-kit';
import { mapHelloState, type HelloRawState } from './hello-state.js';
import type { HelloProviderConfig } from './schema.js';
import type { HelloSliceRecord, SliceStore } from './slice-store.js';
import { isWorkerAlive, spawnWorker, stopWorker } from './worker-process.js';

const STOP_GRACE_MS = 5_000;

/** The same request id always names the same slice: that is what makes create idempotent. */
export function helloSliceId(clusterName: string, group: string, requestId: string): string {
  return sliceIdFor(requestId, `${clusterName}-${group}`);
}

/** A slice as Iris sees it, from its record and whether its processes live. */
export function describeHelloSlice(record: HelloSliceRecord): SliceInfo {
  const vms: VmInfo[] = record.vms.map((vm) => {
    const raw: HelloRawState = record.stopping ? 'stopping' : vm.pid <= 0 ? 'launching' : isWorkerAlive(vm.pid, vm.vmId) ? 'running' : 'exited';
    return { vmId: vm.vmId, address: '127.0.0.1', labels: record.labels, state: mapHelloState(raw), rawState: raw, createdAtMs: vm.createdAtMs };
  });
  return {
    sliceId: record.sliceId,
    group: record.group,
    labels: record.labels,
    state: aggregateSliceState(vms.map((v) => v.state)),
    vms,
    createdAtMs: record.createdAtMs,
    requestId: record.requestId,
  };
}

/** Ends a slice's workers and forgets it. Idempotent, and finishes a termination a crash cut short. */
export async function terminateHelloSlice(store: SliceStore, sliceId: string, deps: PlatformDeps): Promise<void> {
  const record = store.read(sliceId);
  if (!record) return;
  if (!record.stopping) store.write({ ...record, stopping: true });
  await Promise.all(record.vms.map((vm) => stopWorker(vm.pid, vm.vmId, STOP_GRACE_MS, deps.clock)));
  store.remove(sliceId);
}

/** One scale group's slices: `slice_size` worker processes each. */
export class HelloVmManager implements VmManager {
  readonly group: string;

  constructor(
    private readonly groupConfig: ScaleGroupConfig,
    private readonly config: HelloProviderConfig,
    private readonly store: SliceStore,
    private readonly deps: PlatformDeps,
  ) {
    this.group = groupConfig.name;
  }

  private get selector(): Record<string, string> {
    return { [LABEL_CLUSTER]: sanitizeLabelValue(this.deps.clusterName), [LABEL_GROUP]: sanitizeLabelValue(this.group) };
  }

  async createSlice(request: CreateSliceRequest): Promise<SliceInfo> {
    const sliceId = helloSliceId(this.deps.clusterName, this.group, request.requestId);
    const existing = this.store.read(sliceId);
    if (existing && !existing.stopping) return describeHelloSlice(existing);

    assertWorkerLaunch(request.launch, 'hello', this.group);
    const command = this.deps.irisCommand;
    if (!command || command.length === 0) {
      throw new ProviderError('invalid_request', `hello group "${this.group}": no iris command to start workers with (PlatformDeps.irisCommand)`, {
        provider: 'hello',
      });
    }
    const now = this.deps.clock.now();
    const record: HelloSliceRecord = {
      sliceId,
      group: this.group,
      requestId: request.requestId,
      labels: { ...request.labels, ...this.selector, [LABEL_SLICE]: sliceId, [LABEL_REQUEST]: sanitizeLabelValue(request.requestId) },
      createdAtMs: now,
      stopping: false,
      vms: Array.from({ length: this.groupConfig.slice_size }, (_, i) => ({
        vmId: `${sliceId}-${i}`,
        pid: 0,
        dir: join(this.store.sliceDir(sliceId), `vm-${i}`),
        createdAtMs: now,
      })),
    };
    // Recorded before spawning: a crash in between leaves a record the next controller cleans up.
    this.store.write(record);
    // The join contract: every VM runs `iris worker` with the env of workerJoinCommand, under its own VM id.
    const launch = { ...request.launch, attributes: { ...request.launch.attributes, greeting: this.config.greeting } };
    for (const vm of record.vms) {
      const joinCommand = workerJoinCommand(launch, vm.vmId, { sliceId, workDir: vm.dir });
      const pid = spawnWorker({ command, env: joinCommand.env, dir: vm.dir, args: joinCommand.argv });
      if (pid === undefined) {
        await terminateHelloSlice(this.store, sliceId, this.deps);
        throw new ProviderError('transient', `hello group "${this.group}": could not start a worker process`, { provider: 'hello' });
      }
      vm.pid = pid;
      this.store.write(record);
    }
    return describeHelloSlice(record);
  }

  async listSlices(): Promise<SliceInfo[]> {
    return this.store
      .list()
      .filter((r) => matchesLabels(r.labels, this.selector))
      .map(describeHelloSlice);
  }

  async terminateSlice(sliceId: string): Promise<void> {
    await terminateHelloSlice(this.store, sliceId, this.deps);
  }
}
