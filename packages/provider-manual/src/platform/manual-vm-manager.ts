import { createHash } from 'node:crypto';
import {
  LABEL_CLUSTER,
  LABEL_GROUP,
  LABEL_REQUEST,
  LABEL_SLICE,
  ProviderError,
  aggregateSliceState,
  matchesLabels,
  providerErrorKind,
  sanitizeLabelValue,
  type CreateSliceRequest,
  type ScaleGroupConfig,
  type SliceInfo,
  type VmInfo,
  type VmManager,
} from '@iris/core';
import type { ManualHost } from '../hosts.js';
import { BootstrapStepError } from './bootstrap-step-error.js';
import type { ManualContext } from './manual-context.js';
import { mapManualState, type ManualRawState } from './manual-state-map.js';
import type { ManualSliceRecord, ManualVmRecord } from './slice-records.js';
import { bootstrapWorker, stopWorker, workerStatus, type WorkerLaunch } from './worker-bootstrap.js';

function isAuthFailure(err: unknown): boolean {
  return providerErrorKind(err) === 'auth' || providerErrorKind((err as { cause?: unknown } | undefined)?.cause) === 'auth';
}

export function manualSliceId(clusterName: string, group: string, requestId: string): string {
  const digest = createHash('sha256').update(requestId).digest('hex').slice(0, 10);
  return `${sanitizeLabelValue(clusterName)}-${sanitizeLabelValue(group)}-${digest}`.slice(0, 63);
}

function hostOf(ctx: ManualContext, entry: string): ManualHost | undefined {
  return ctx.hosts.find((h) => h.entry === entry);
}

/**
 * The slice as reported: recorded state, and for a worker recorded as running, what its host says
 * now (a restarted controller adopts exactly the workers still alive).
 */
export async function describeManualSlice(ctx: ManualContext, record: ManualSliceRecord): Promise<SliceInfo> {
  const vms = await Promise.all(
    record.vms.map(async (vm): Promise<VmInfo> => {
      const host = hostOf(ctx, vm.host);
      let raw: ManualRawState = record.stopping ? 'stopping' : vm.state === 'bootstrapping' && vm.phase === 'retrying' ? 'retrying' : vm.state;
      if (!record.stopping && vm.state === 'running' && host) {
        try {
          raw = (await workerStatus(ctx, host, vm)) === 'running' ? 'running' : 'exited';
          ctx.health.markHealthy(vm.host);
        } catch (err) {
          raw = 'unreachable';
          ctx.health.markFailed(vm.host, 'status', (err as Error).message, []);
        }
      }
      return {
        vmId: vm.vmId,
        address: host?.host ?? vm.host,
        labels: record.labels,
        state: mapManualState(raw),
        rawState: raw,
        createdAtMs: vm.createdAtMs,
        ...(vm.phase && vm.state === 'bootstrapping' ? { initPhase: vm.phase } : {}),
      };
    }),
  );
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
 * A scale group over a fixed pool of SSH hosts: a slice takes `slice_size` free hosts and starts a
 * worker on each; terminating it stops the workers and returns the hosts. Bootstraps run in the
 * background, each host retried with backoff on its own, so one dead host blocks no other.
 */
export class ManualVmManager implements VmManager {
  readonly group: string;

  constructor(
    private readonly groupConfig: ScaleGroupConfig,
    private readonly ctx: ManualContext,
  ) {
    this.group = groupConfig.name;
  }

  private get selector(): Record<string, string> {
    return { [LABEL_CLUSTER]: sanitizeLabelValue(this.ctx.deps.clusterName), [LABEL_GROUP]: sanitizeLabelValue(this.group) };
  }

  /**
   * What the group's workers advertise: the keys the autoscaler routes demand by (`scale-group`,
   * `accelerator-*`, `preemptible`), so a job constrained to this group is placed on these workers.
   */
  private attributes(sliceId: string): Record<string, string> {
    const g = this.groupConfig;
    return {
      ...g.attributes,
      'scale-group': g.name,
      'accelerator-type': g.accelerator_type,
      'accelerator-variant': g.accelerator_variant,
      preemptible: String(g.preemptible),
      'iris-slice': sliceId,
      'iris-group': this.group,
    };
  }

  private launchFor(request: CreateSliceRequest, sliceId: string): WorkerLaunch {
    const env = { ...this.ctx.deps.bootstrap.env, ...(request.bootstrap.container?.env ?? {}) };
    const controllerAddress = env.IRIS_CONTROLLER ?? this.ctx.deps.bootstrap.controller_address;
    if (!controllerAddress) {
      throw new ProviderError(
        'invalid_request',
        `manual group "${this.group}": workers need the controller address (defaults.bootstrap.controller_address)`,
        { provider: 'manual' },
      );
    }
    const res = this.groupConfig.resources;
    return {
      controllerAddress,
      env,
      attributes: this.attributes(sliceId),
      cpu: res.cpu,
      memory: res.ram,
    };
  }

  private pickHosts(count: number): string[] {
    const held = this.ctx.records.heldHosts();
    const free = this.ctx.hosts
      .map((h) => h.entry)
      .filter((e) => !held.has(e) && this.ctx.health.isAvailable(e))
      .sort((a, b) => this.ctx.health.failures(a) - this.ctx.health.failures(b));
    if (free.length < count) {
      const waiting = this.ctx.hosts.filter((h) => !held.has(h.entry) && !this.ctx.health.isAvailable(h.entry)).length;
      throw new ProviderError(
        'capacity',
        `manual group "${this.group}": a slice needs ${count} free hosts, ${free.length} of ${this.ctx.hosts.length} are free` +
          (waiting ? ` (${waiting} more are in backoff after failures; see iris status)` : ''),
        { provider: 'manual' },
      );
    }
    return free.slice(0, count);
  }

  async createSlice(request: CreateSliceRequest): Promise<SliceInfo> {
    const sliceId = manualSliceId(this.ctx.deps.clusterName, this.group, request.requestId);
    const existing = this.ctx.records.read(sliceId);
    if (existing && !existing.stopping) return describeManualSlice(this.ctx, existing);
    const launch = this.launchFor(request, sliceId);
    const now = this.ctx.deps.clock.now();
    const record: ManualSliceRecord = {
      sliceId,
      group: this.group,
      requestId: request.requestId,
      labels: { ...request.labels, ...this.selector, [LABEL_SLICE]: sliceId, [LABEL_REQUEST]: sanitizeLabelValue(request.requestId) },
      createdAtMs: now,
      stopping: false,
      vms: this.pickHosts(this.groupConfig.slice_size).map((host, i) => ({
        vmId: `${sliceId}-${i}`,
        host,
        state: 'bootstrapping',
        phase: 'pending',
        createdAtMs: now,
      })),
    };
    // Record first: the hosts are held before any worker can start, and a crash leaks nothing.
    this.ctx.records.write(record);
    this.startBootstrap(record, launch);
    return describeManualSlice(this.ctx, record);
  }

  private startBootstrap(record: ManualSliceRecord, launch: WorkerLaunch): void {
    const abort = new AbortController();
    const done = Promise.all(record.vms.map((vm) => this.bootstrapWithRetries(record, vm, launch, abort.signal))).then(
      () => undefined,
      () => undefined,
    );
    this.ctx.inFlight.set(record.sliceId, { abort, done });
    void done.then(() => {
      if (this.ctx.inFlight.get(record.sliceId)?.done === done) this.ctx.inFlight.delete(record.sliceId);
    });
  }

  private save(record: ManualSliceRecord): void {
    // Never resurrect a record that termination removed meanwhile.
    const current = this.ctx.records.read(record.sliceId);
    if (current && !current.stopping) this.ctx.records.write(record);
  }

  private async bootstrapWithRetries(record: ManualSliceRecord, vm: ManualVmRecord, launch: WorkerLaunch, signal: AbortSignal): Promise<void> {
    const host = hostOf(this.ctx, vm.host);
    if (!host) return;
    const { clock, timeouts } = this.ctx.deps;
    const deadline = clock.now() + timeouts.init;
    let delay = Math.max(1, timeouts.ssh_poll_interval);
    for (;;) {
      if (signal.aborted) return;
      try {
        await bootstrapWorker(this.ctx, host, vm, launch, (phase) => {
          vm.phase = phase;
          this.save(record);
        });
        vm.state = 'running';
        delete vm.phase;
        this.ctx.health.markHealthy(vm.host);
        this.save(record);
        return;
      } catch (err) {
        const stepName = err instanceof BootstrapStepError ? err.step : 'bootstrap';
        const output = err instanceof BootstrapStepError ? err.output : [];
        const report = this.ctx.health.markFailed(vm.host, stepName, (err as Error).message, output);
        this.ctx.deps.logger.warn(`manual host ${vm.host}: bootstrap failed at ${stepName}`, {
          group: this.group,
          slice: record.sliceId,
          error: report.error,
          failures: report.failures,
        });
        if (signal.aborted) return;
        // A refused key or host key needs an operator; retrying only hammers the host. The slice
        // fails with the reason in the host report, and the host stays in backoff meanwhile.
        if (isAuthFailure(err) || clock.now() + delay > deadline) {
          vm.state = 'failed';
          vm.phase = stepName;
          this.save(record);
          return;
        }
        vm.phase = 'retrying';
        this.save(record);
        try {
          await clock.sleep(delay, signal);
        } catch {
          return; // aborted by terminate
        }
        delay = Math.min(delay * 2, Math.max(timeouts.ssh_poll_interval * 8, 1));
      }
    }
  }

  async listSlices(): Promise<SliceInfo[]> {
    const mine = this.ctx.records.list().filter((r) => matchesLabels(r.labels, this.selector));
    // A restarted controller finds bootstraps that were in flight: resume them (the script is idempotent).
    for (const record of mine) {
      if (!record.stopping && !this.ctx.inFlight.has(record.sliceId) && record.vms.some((v) => v.state === 'bootstrapping')) {
        this.resume(record);
      }
    }
    return Promise.all(mine.map((r) => describeManualSlice(this.ctx, r)));
  }

  private resume(record: ManualSliceRecord): void {
    const launchEnv = { ...this.ctx.deps.bootstrap.env };
    const controllerAddress = this.ctx.deps.bootstrap.controller_address;
    if (!controllerAddress) return; // the env of the original request is not recorded (it holds the token)
    const res = this.groupConfig.resources;
    const launch: WorkerLaunch = {
      controllerAddress,
      env: launchEnv,
      attributes: this.attributes(record.sliceId),
      cpu: res.cpu,
      memory: res.ram,
    };
    const pending = { ...record, vms: record.vms };
    const abort = new AbortController();
    const done = Promise.all(
      pending.vms.filter((v) => v.state === 'bootstrapping').map((vm) => this.bootstrapWithRetries(pending, vm, launch, abort.signal)),
    ).then(
      () => undefined,
      () => undefined,
    );
    this.ctx.inFlight.set(record.sliceId, { abort, done });
  }

  async terminateSlice(sliceId: string): Promise<void> {
    await terminateManualSlice(this.ctx, sliceId);
  }
}

/**
 * Stops a slice's workers and releases its hosts. Idempotent, and finishes a termination a crash
 * interrupted. A host that cannot be reached keeps the slice (and the host) held, reported, and the
 * call fails as transient: releasing it would leave a worker nobody stops.
 */
export async function terminateManualSlice(ctx: ManualContext, sliceId: string): Promise<void> {
  const record = ctx.records.read(sliceId);
  if (!record) return;
  const inFlight = ctx.inFlight.get(sliceId);
  if (!record.stopping) {
    record.stopping = true;
    ctx.records.write(record);
  }
  if (inFlight) {
    inFlight.abort.abort();
    await inFlight.done;
    ctx.inFlight.delete(sliceId);
  }
  // The bootstrap may have learnt the worker dirs after our read.
  const latest = ctx.records.read(sliceId) ?? record;
  const failures: string[] = [];
  await Promise.all(
    latest.vms.map(async (vm) => {
      const host = hostOf(ctx, vm.host);
      // No worker dir recorded: the bootstrap never got past connecting (a refused key, a host
      // that was down), so nothing runs there, and a host we cannot reach must not pin the slice.
      if (!host || (vm.workerDir === undefined && vm.state !== 'running')) return;
      try {
        await stopWorker(ctx, host, vm);
      } catch (err) {
        const stepName = err instanceof BootstrapStepError ? err.step : 'stop';
        ctx.health.markFailed(vm.host, stepName, (err as Error).message, err instanceof BootstrapStepError ? err.output : []);
        failures.push(`${vm.host}: ${(err as Error).message}`);
      }
    }),
  );
  if (failures.length > 0) {
    throw new ProviderError('transient', `manual slice ${sliceId}: could not stop every worker (${failures.join('; ')}); will retry`, {
      provider: 'manual',
    });
  }
  ctx.records.remove(sliceId);
}
