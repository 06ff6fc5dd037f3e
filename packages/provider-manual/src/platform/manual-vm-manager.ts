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
import { assertWorkerLaunch, workerJoinCommand } from '@iris/core/provider-kit';
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
 * now (a restarted controller adopts exactly the workers still alive). A host SSH cannot reach is
 * no evidence that its worker stopped: the VM stays ready (`ssh_failing`), the host report says SSH
 * is failing, and the controller judges the worker by its heartbeats, which do not need SSH.
 */
export async function describeManualSlice(ctx: ManualContext, record: ManualSliceRecord): Promise<SliceInfo> {
  const vms = await Promise.all(
    record.vms.map(async (vm): Promise<VmInfo> => {
      const host = hostOf(ctx, vm.host);
      let raw: ManualRawState = record.stopping ? 'stopping' : vm.state === 'bootstrapping' && vm.phase === 'retrying' ? 'retrying' : vm.state;
      const sshFailing = ctx.health.latest(vm.host)?.step === 'status' && !ctx.health.isAvailable(vm.host);
      if (!record.stopping && vm.state === 'running' && host && sshFailing) {
        // Asked on every autoscaler pass: a host whose SSH just failed is not dialled again before
        // its backoff ends, so a hung host cannot hold every pass (and `iris stop`) up.
        raw = 'ssh_failing';
      } else if (!record.stopping && vm.state === 'running' && host) {
        try {
          raw = (await workerStatus(ctx, host, vm)) === 'running' ? 'running' : 'exited';
          ctx.health.markHealthy(vm.host);
        } catch (err) {
          raw = 'ssh_failing';
          ctx.health.markFailed(vm.host, record.group, 'status', `SSH is failing (the worker may still run): ${(err as Error).message}`, []);
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
  const state = aggregateSliceState(vms.map((v) => v.state));
  return {
    sliceId: record.sliceId,
    group: record.group,
    labels: record.labels,
    state,
    // A failed slice says why, host by host, so the autoscaler's log carries the reason.
    ...(state === 'failed' ? { rawState: failureReason(ctx, record) } : {}),
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

  private launchFor(launch: CreateSliceRequest['launch'], sliceId: string): WorkerLaunch {
    // The controller worked out the address and minted the slice's join token (CreateSliceRequest.launch).
    const join = workerJoinCommand(launch, '', { sliceId });
    const { IRIS_VM_ADDRESS: _vm, ...env } = join.env;
    return {
      controllerAddress: launch.controllerUrl,
      env: { ...env },
      attributes: { ...this.attributes(sliceId), ...launch.attributes, 'iris-slice': sliceId },
      cpu: launch.resources.cpu,
      memory: launch.resources.memoryBytes,
    };
  }

  /**
   * `count` free hosts that are not in backoff. Short of them because slices hold the hosts: a
   * capacity error (the pool is busy, as a stockout would be). Short because hosts are failing:
   * `host_unavailable`, a transient error naming each failing host, its step, its message and when
   * it is tried again — never reported as out of capacity.
   */
  private pickHosts(count: number): string[] {
    const { health } = this.ctx;
    const held = this.ctx.records.heldHosts();
    const unheld = this.ctx.hosts.map((h) => h.entry).filter((e) => !held.has(e));
    const free = unheld.filter((e) => health.isAvailable(e)).sort((a, b) => health.failures(a) - health.failures(b));
    if (free.length >= count) return free.slice(0, count);
    // A host held by another slice but failing (that slice's bootstrap failed there) counts as
    // failing, not busy: the group is short of working hosts, not of capacity.
    const failing = this.ctx.hosts.map((h) => h.entry).filter((e) => !health.isAvailable(e));
    const usable = unheld.length + failing.filter((e) => held.has(e)).length;
    if (failing.length === 0 || usable < count) {
      throw new ProviderError(
        'capacity',
        `manual group "${this.group}": a slice needs ${count} free hosts; ${unheld.length} of ${this.ctx.hosts.length} are not held by other slices` +
          (failing.length > 0 ? ` (${failing.length} failing)` : ''),
        { provider: 'manual' },
      );
    }
    const now = this.ctx.deps.clock.now();
    const retryAt = Math.min(...failing.map((e) => health.retryAfterMs(e)));
    const detail = failing.map((e) => {
      const r = health.latest(e);
      const when = new Date(health.retryAfterMs(e)).toISOString();
      return r ? `${e}: ${r.step} failed (${r.error}); next try ${when}` : `${e}: next try ${when}`;
    });
    const all = failing.length === usable && free.length === 0;
    throw new ProviderError(
      'transient',
      `host_unavailable: manual group "${this.group}": ${all ? `all ${failing.length} free host(s) are failing` : `${failing.length} host(s) are failing and ${free.length} healthy host(s) cannot make a slice of ${count}`} — ${detail.join('; ')}`,
      { provider: 'manual', retryAfterMs: Math.max(0, retryAt - now) },
    );
  }

  async createSlice(request: CreateSliceRequest): Promise<SliceInfo> {
    const sliceId = manualSliceId(this.ctx.deps.clusterName, this.group, request.requestId);
    const existing = this.ctx.records.read(sliceId);
    if (existing && !existing.stopping) return describeManualSlice(this.ctx, existing);
    assertWorkerLaunch(request.launch, 'manual', this.group);
    const launch = this.launchFor(request.launch, sliceId);
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
        const report = this.ctx.health.markFailed(vm.host, this.group, stepName, (err as Error).message, output);
        this.ctx.deps.logger.warn(`manual host ${vm.host}: bootstrap failed at ${stepName}`, {
          group: this.group,
          slice: record.sliceId,
          error: report.error,
          failures: report.failures,
        });
        if (signal.aborted) return;
        // A refused key or host key needs an operator; retrying only hammers the host. The slice
        // fails with the reason in the host report, and the host stays in backoff meanwhile.
        if (isAuthFailure(err) || (err instanceof BootstrapStepError && err.permanent) || clock.now() + delay > deadline) {
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
    // A bootstrap a controller restart cut short is not resumed: the join token is a secret and is
    // never recorded, so the autoscaler replaces the slice once its startup grace runs out.
    return Promise.all(mine.map((r) => describeManualSlice(this.ctx, r)));
  }

  async terminateSlice(sliceId: string): Promise<void> {
    await terminateManualSlice(this.ctx, sliceId);
  }
}

/** Why a failed slice failed: each failing host with its step and message. */
function failureReason(ctx: ManualContext, record: ManualSliceRecord): string {
  const parts = record.vms
    .filter((vm) => vm.state === 'failed' || vm.state === 'running')
    .map((vm) => {
      const r = ctx.health.latest(vm.host);
      if (vm.state === 'running') return `${vm.host}: the worker exited`;
      return r ? `${vm.host}: ${r.step}: ${r.error}` : `${vm.host}: failed at ${vm.phase ?? 'bootstrap'}`;
    });
  return `host_unavailable: ${parts.join('; ') || 'no host answered'}`;
}

/** What an operator runs to stop a worker by hand when its host could not be reached. */
function byHand(host: ManualHost, vm: ManualVmRecord): string {
  const dir = vm.workerDir ?? `<worker_dir>/${vm.vmId}`;
  return `ssh -p ${host.port} ${host.user}@${host.host} 'kill -TERM -- -$(cat ${dir}/pid) && rm -rf ${dir}'`;
}

/**
 * Stops a slice's workers and releases its hosts. Idempotent, and finishes a termination a crash
 * interrupted. All hosts at once, each bounded by a deadline (the SSH connect timeout plus the
 * stop grace), so a dead host costs at most that and never delays the others. A host that could
 * not be reached keeps the slice (and the host) held and reported; the error names it, why, and
 * the command that stops its worker by hand. The next terminate tries again.
 */
export async function terminateManualSlice(ctx: ManualContext, sliceId: string): Promise<void> {
  const record = ctx.records.read(sliceId);
  if (!record) return;
  const inFlight = ctx.inFlight.get(sliceId);
  if (!record.stopping) {
    record.stopping = true;
    ctx.records.write(record);
  }
  // A host must answer within the connect timeout; one that does then gets the stop grace too.
  const answerMs = ctx.deps.ssh.connect_timeout;
  const deadlineMs = answerMs + ctx.stopGraceSeconds * 1000 + 5_000;
  // A bootstrap in flight stops at its next step; one stuck on a hung host is not waited for
  // beyond a deadline (the slice then stays held, and the next terminate finishes it).
  let stillBootstrapping = false;
  if (inFlight) {
    inFlight.abort.abort();
    stillBootstrapping = !(await settlesWithin(ctx, inFlight.done, deadlineMs));
    if (!stillBootstrapping && ctx.inFlight.get(sliceId) === inFlight) ctx.inFlight.delete(sliceId);
  }
  // The bootstrap may have learnt the worker dirs after our read.
  const latest = ctx.records.read(sliceId) ?? record;
  const failures: string[] = [];
  const stopped: string[] = [];
  await Promise.all(
    latest.vms.map(async (vm) => {
      const host = hostOf(ctx, vm.host);
      // No worker dir recorded: the bootstrap never got past connecting (a refused key, a host
      // that was down), so nothing runs there, and a host we cannot reach must not pin the slice.
      if (!host || (vm.workerDir === undefined && vm.state !== 'running')) return;
      // A host whose stop just failed is not dialled again until its backoff ends: in one `iris
      // stop` the controller's terminate, its orphan sweep and the CLI's sweep would each wait for it.
      const last = ctx.health.latest(vm.host);
      if (last?.step === 'stop' && !ctx.health.isAvailable(vm.host)) {
        const next = new Date(ctx.health.retryAfterMs(vm.host)).toISOString();
        failures.push(`NOT stopped on ${vm.host} (${last.error}; next try ${next}); stop it by hand: ${byHand(host, vm)}`);
        return;
      }
      try {
        let answered!: () => void;
        const answer = new Promise<void>((resolve) => (answered = resolve));
        const work = stopWorker(ctx, host, vm, deadlineMs, answered);
        work.catch(() => undefined); // awaited below, unless the host never answers
        await withDeadline(ctx, Promise.race([answer, work]), answerMs, `no answer within ${answerMs} ms (the SSH connect timeout)`);
        await withDeadline(ctx, work, deadlineMs, `the stop did not finish within ${deadlineMs} ms`);
        stopped.push(vm.host);
      } catch (err) {
        const stepName = err instanceof BootstrapStepError ? err.step : 'stop';
        ctx.health.markFailed(vm.host, latest.group, stepName, (err as Error).message, err instanceof BootstrapStepError ? err.output : []);
        failures.push(`NOT stopped on ${vm.host} (${(err as Error).message}); stop it by hand: ${byHand(host, vm)}`);
      }
    }),
  );
  if (stillBootstrapping) {
    const hosts = latest.vms.filter((vm) => vm.state === 'bootstrapping').map((vm) => vm.host);
    failures.push(`a bootstrap is still running on ${hosts.join(', ') || 'its hosts'} (no answer within ${deadlineMs} ms); terminate again to finish`);
  }
  if (failures.length > 0) {
    throw new ProviderError('transient', `manual slice ${sliceId}: ${stopped.length > 0 ? `stopped on ${stopped.join(', ')}; ` : ''}${failures.join('; ')}`, {
      provider: 'manual',
    });
  }
  ctx.records.remove(sliceId);
}

/** True when `work` settles within `ms`. */
async function settlesWithin(ctx: ManualContext, work: Promise<unknown>, ms: number): Promise<boolean> {
  const abort = new AbortController();
  const timeout = ctx.deps.clock.sleep(ms, abort.signal).then(
    () => false,
    () => false,
  );
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    abort.abort();
  }
}

/** `work`, or a rejection after `ms`; the deadline timer never outlives the work. */
async function withDeadline<T>(ctx: ManualContext, work: Promise<T>, ms: number, message: string): Promise<T> {
  const abort = new AbortController();
  const timeout = ctx.deps.clock.sleep(ms, abort.signal).then(
    () => {
      throw new ProviderError('transient', message, { provider: 'manual' });
    },
    () => undefined as never,
  );
  try {
    return await Promise.race([work, timeout]);
  } finally {
    abort.abort();
    work.catch(() => undefined);
  }
}
