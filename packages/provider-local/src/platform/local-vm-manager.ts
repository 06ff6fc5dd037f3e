import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
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
  type Clock,
  type CreateSliceRequest,
  type PlatformDeps,
  type ScaleGroupConfig,
  type SliceInfo,
  type VmInfo,
  type VmManager,
  type WorkerLaunch,
} from '@iris/core';
import { assertWorkerLaunch, sliceIdFor, workerJoinCommand } from '@iris/core/provider-kit';
import { isOurProcessAlive, stopProcessGroup } from './process-control.js';
import { mapLocalState, type LocalRawState } from './local-state-map.js';
import type { LocalSliceRecord, SliceRecords } from './slice-records.js';

/** How long a worker gets to finish its tasks' SIGTERM handling before SIGKILL. */
const STOP_GRACE_MS = 5_000;

export function localSliceId(clusterName: string, group: string, requestId: string): string {
  return sliceIdFor(requestId, `${clusterName}-${group}`);
}

/** The slice's VMs as the manager reports them, from its record and the processes' liveness. */
export function describeSlice(record: LocalSliceRecord): SliceInfo {
  const vms: VmInfo[] = record.vms.map((vm) => {
    const raw: LocalRawState = record.stopping ? 'stopping' : vm.pid <= 0 ? 'spawning' : isOurProcessAlive(vm.pid, vm.vmId) ? 'running' : 'exited';
    return {
      vmId: vm.vmId,
      address: '127.0.0.1',
      labels: record.labels,
      state: mapLocalState(raw),
      rawState: raw,
      createdAtMs: vm.createdAtMs,
    };
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

/**
 * A scale group whose slices are `slice_size` worker processes on this machine. The processes are
 * detached, so they outlive a controller crash and the restarted controller adopts them from disk.
 */
export class LocalVmManager implements VmManager {
  readonly group: string;

  constructor(
    private readonly groupConfig: ScaleGroupConfig,
    private readonly records: SliceRecords,
    private readonly deps: PlatformDeps,
  ) {
    this.group = groupConfig.name;
  }

  private get selector(): Record<string, string> {
    return {
      [LABEL_CLUSTER]: sanitizeLabelValue(this.deps.clusterName),
      [LABEL_GROUP]: sanitizeLabelValue(this.group),
    };
  }

  async createSlice(request: CreateSliceRequest): Promise<SliceInfo> {
    const sliceId = localSliceId(this.deps.clusterName, this.group, request.requestId);
    const existing = this.records.read(sliceId);
    if (existing && !existing.stopping) return describeSlice(existing);

    assertWorkerLaunch(request.launch, 'local', this.group);
    const command = this.deps.irisCommand;
    if (!command || command.length === 0) {
      throw new ProviderError('invalid_request', `local group "${this.group}": no iris command to start workers with`, {
        provider: 'local',
      });
    }

    const now = this.deps.clock.now();
    const labels = {
      ...request.labels,
      ...this.selector,
      [LABEL_SLICE]: sliceId,
      [LABEL_REQUEST]: sanitizeLabelValue(request.requestId),
    };
    const record: LocalSliceRecord = {
      sliceId,
      group: this.group,
      requestId: request.requestId,
      labels,
      createdAtMs: now,
      stopping: false,
      vms: Array.from({ length: this.groupConfig.slice_size }, (_, i) => ({
        vmId: `${sliceId}-${i}`,
        pid: 0,
        dir: join(this.records.sliceDir(sliceId), `vm-${i}`),
        createdAtMs: now,
      })),
    };
    // Record first: a crash between spawn and record would otherwise leak an unlisted process.
    this.records.write(record);
    for (const vm of record.vms) {
      vm.pid = this.spawnWorker(command, request.launch, sliceId, vm.vmId, vm.dir);
      this.records.write(record);
    }
    return describeSlice(record);
  }

  private spawnWorker(command: readonly string[], launch: WorkerLaunch, sliceId: string, vmId: string, dir: string): number {
    mkdirSync(dir, { recursive: true });
    const joinCommand = workerJoinCommand(launch, vmId, { sliceId, workDir: dir });
    const args = [...command.slice(1), ...joinCommand.argv];
    const log = openSync(join(dir, 'worker.log'), 'a');
    try {
      const child = spawn(command[0]!, args, {
        cwd: dir,
        detached: true,
        stdio: ['ignore', log, log],
        // The join token travels in the environment, never on the command line where `ps` shows it.
        env: { ...process.env, ...joinCommand.env },
      });
      child.unref();
      if (child.pid === undefined) {
        throw new ProviderError('transient', `local group "${this.group}": could not start a worker process`, {
          provider: 'local',
        });
      }
      return child.pid;
    } finally {
      closeSync(log);
    }
  }

  async listSlices(): Promise<SliceInfo[]> {
    return this.records
      .list()
      .filter((r) => matchesLabels(r.labels, this.selector))
      .map(describeSlice);
  }

  async terminateSlice(sliceId: string): Promise<void> {
    await terminateLocalSlice(this.records, sliceId, this.deps.clock);
  }
}

/** Ends a slice's processes and removes its directory. Idempotent; finishes a crashed termination. */
export async function terminateLocalSlice(records: SliceRecords, sliceId: string, clock: Clock): Promise<void> {
  const record = records.read(sliceId);
  if (!record) return;
  if (!record.stopping) {
    record.stopping = true;
    records.write(record);
  }
  await Promise.all(record.vms.map((vm) => (vm.pid > 0 ? stopProcessGroup(vm.pid, vm.vmId, STOP_GRACE_MS, clock) : undefined)));
  records.remove(sliceId);
}
