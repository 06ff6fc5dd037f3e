import {
  LABEL_GROUP,
  LABEL_REQUEST,
  LABEL_SLICE,
  ProviderError,
  aggregateSliceState,
  clusterLabels,
  matchesLabels,
  sanitizeLabelValue,
  type Clock,
  type ControllerConfig,
  type ControllerHost,
  type ControllerStatus,
  type CreateSliceRequest,
  type ListVmsQuery,
  type Platform,
  type ProviderErrorKind,
  type ScaleGroupConfig,
  type SliceInfo,
  type StartVmsRequest,
  type TimerHandle,
  type Tunnel,
  type VmInfo,
  type VmManager,
  type VmState,
} from '@iris/core';
import { groupZones } from '../zones.js';

/** How long the fake provider takes, per group. */
export interface FakeBehaviour {
  readonly createLatencyMs: number;
  /** booting -> initializing. */
  readonly bootMs: number;
  /** initializing -> ready. */
  readonly initMs: number;
  readonly terminateLatencyMs: number;
}

export interface FakePlatformOptions {
  readonly type: string;
  readonly clusterName: string;
  readonly clock: Clock;
  readonly behaviour: FakeBehaviour;
}

interface ScriptedFailure {
  readonly kind: ProviderErrorKind;
  readonly retryAfterMs?: number;
}

/** A slice as the fake provider holds it. */
export interface FakeSlice {
  readonly sliceId: string;
  readonly group: string;
  readonly requestId: string;
  readonly zone: string | undefined;
  readonly createdAtMs: number;
  readonly vms: VmInfo[];
  stuck: boolean;
  timers: TimerHandle[];
}

const RAW: Record<VmState, string> = {
  requesting: 'CREATING',
  booting: 'CREATING',
  initializing: 'STARTING',
  ready: 'READY',
  preempted: 'PREEMPTED',
  failed: 'FAILED',
  terminating: 'DELETING',
  terminated: 'TERMINATED',
  unknown: 'STATE_UNSPECIFIED',
};

/**
 * An in-memory provider over an injected Clock, for tests and `iris simulate`: scripted latency,
 * stuck boots, per-zone stockouts, quota errors, rate limits with retry-after, preemptions.
 * Creates are idempotent by request id, terminates by slice id, and it keeps every VM it ever
 * made so tests can check nothing leaked.
 */
export class FakePlatform implements Platform {
  readonly type: string;
  /** Its VMs start no worker; a test that starts one beside them does so on this machine. */
  readonly vmsShareControllerHost = true;
  /** The latest create request, for tests of what the controller hands out. */
  lastCreate: CreateSliceRequest | undefined;
  /** Create calls received, including repeats of one request id and failed ones. */
  createCalls = 0;
  readonly slices = new Map<string, FakeSlice>();
  private readonly looseVms = new Map<string, VmInfo>();
  private readonly byRequest = new Map<string, string>();
  private readonly pendingCreates = new Map<string, Promise<SliceInfo>>();
  private readonly managers = new Map<string, FakeVmManager>();
  private readonly behaviours = new Map<string, FakeBehaviour>();
  private readonly failures = new Map<string, ScriptedFailure[]>();
  private readonly quotaExhausted = new Set<string>();
  private readonly stockouts = new Set<string>();
  private readonly stuckBoots = new Map<string, number>();
  private nextSlice = 1;
  private nextAddress = 1;
  private controllerRunning = false;

  constructor(private readonly options: FakePlatformOptions) {
    this.type = options.type;
  }

  get clock(): Clock {
    return this.options.clock;
  }

  // ---- scripting ---------------------------------------------------------------------------

  setBehaviour(group: string, behaviour: Partial<FakeBehaviour>): void {
    this.behaviours.set(group, { ...this.behaviourOf(group), ...behaviour });
  }

  /** Zone `zone` (or `*`: a provider without zones) answers every create with a stockout. */
  setStockout(zone: string, on: boolean): void {
    if (on) this.stockouts.add(zone);
    else this.stockouts.delete(zone);
  }

  setQuotaExhausted(group: string, on: boolean): void {
    if (on) this.quotaExhausted.add(group);
    else this.quotaExhausted.delete(group);
  }

  /** The next `count` creates of `group` fail with `kind`. */
  failNextCreates(group: string, kind: ProviderErrorKind, count: number, retryAfterMs?: number): void {
    const queue = this.failures.get(group) ?? [];
    for (let i = 0; i < count; i++) queue.push({ kind, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    this.failures.set(group, queue);
  }

  /** The next `count` slices of `group` never finish booting. */
  stickNextBoots(group: string, count: number): void {
    this.stuckBoots.set(group, (this.stuckBoots.get(group) ?? 0) + count);
  }

  /** The provider takes the slice back: every VM becomes preempted (it stays listed until deleted). */
  preempt(sliceId: string): boolean {
    const slice = this.slices.get(sliceId);
    if (!slice || slice.vms.some((vm) => vm.state === 'terminating' || vm.state === 'terminated')) return false;
    for (const t of slice.timers) t.cancel();
    slice.timers = [];
    setState(slice, 'preempted');
    return true;
  }

  // ---- inspection --------------------------------------------------------------------------

  /** Every VM the provider still holds (anything not terminated), slice VMs and loose VMs. */
  heldVms(): VmInfo[] {
    const out: VmInfo[] = [];
    for (const s of this.slices.values()) for (const vm of s.vms) if (vm.state !== 'terminated') out.push(vm);
    for (const vm of this.looseVms.values()) if (vm.state !== 'terminated') out.push(vm);
    return out;
  }

  liveSlices(group?: string): FakeSlice[] {
    return [...this.slices.values()].filter((s) => (group === undefined || s.group === group) && sliceState(s) !== 'terminated');
  }

  // ---- Platform ------------------------------------------------------------------------------

  vmManager(group: ScaleGroupConfig): FakeVmManager {
    let manager = this.managers.get(group.name);
    if (!manager) {
      manager = new FakeVmManager(this, group);
      this.managers.set(group.name, manager);
    }
    return manager;
  }

  async listVms(query: ListVmsQuery): Promise<VmInfo[]> {
    return this.heldVms()
      .filter((vm) => (query.zone === undefined || vm.zone === query.zone) && matchesLabels(vm.labels, query.labels))
      .map(copyVm);
  }

  async startVms(request: StartVmsRequest): Promise<VmInfo[]> {
    const now = this.clock.now();
    const out: VmInfo[] = [];
    for (let i = 0; i < request.count; i++) {
      const vmId = `loose-${this.nextAddress}`;
      const vm: VmInfo = {
        vmId,
        address: this.allocateAddress(),
        ...(request.zone === undefined ? {} : { zone: request.zone }),
        labels: { ...clusterLabels(this.options.clusterName), ...request.labels },
        state: 'ready',
        rawState: RAW.ready,
        createdAtMs: now,
      };
      this.looseVms.set(vmId, vm);
      out.push(copyVm(vm));
    }
    return out;
  }

  async stopVms(vmIds: readonly string[]): Promise<void> {
    for (const id of vmIds) {
      const loose = this.looseVms.get(id);
      if (loose) {
        mutable(loose).state = 'terminated';
        continue;
      }
      for (const slice of this.slices.values()) {
        if (slice.vms.some((vm) => vm.vmId === id)) await this.terminate(slice.sliceId);
      }
    }
  }

  async tunnel(address: string): Promise<Tunnel> {
    return { localAddress: address, close: async () => undefined };
  }

  controllerHost(_controller: ControllerConfig): ControllerHost {
    const status = (): ControllerStatus => (this.controllerRunning ? { running: true, address: 'http://127.0.0.1:0', location: 'fake' } : { running: false });
    return {
      start: async () => {
        this.controllerRunning = true;
        return status();
      },
      stop: async () => {
        this.controllerRunning = false;
      },
      status: async () => status(),
      address: async () => status().address,
    };
  }

  // ---- what FakeVmManager delegates to -----------------------------------------------------

  create(group: ScaleGroupConfig, request: CreateSliceRequest): Promise<SliceInfo> {
    this.createCalls++;
    const inFlight = this.pendingCreates.get(request.requestId);
    if (inFlight) return inFlight;
    const existing = this.byRequest.get(request.requestId);
    const known = existing === undefined ? undefined : this.slices.get(existing);
    if (known) return Promise.resolve(sliceInfo(known));
    const promise = this.runCreate(group, request);
    this.pendingCreates.set(request.requestId, promise);
    const done = (): void => {
      this.pendingCreates.delete(request.requestId);
    };
    promise.then(done, done);
    return promise;
  }

  list(group: string): SliceInfo[] {
    return this.liveSlices(group).map(sliceInfo);
  }

  async terminate(sliceId: string): Promise<void> {
    const slice = this.slices.get(sliceId);
    if (!slice) return;
    const state = sliceState(slice);
    if (state === 'terminated') return;
    for (const t of slice.timers) t.cancel();
    slice.timers = [];
    if (state !== 'terminating') setState(slice, 'terminating');
    await this.clock.sleep(this.behaviourOf(slice.group).terminateLatencyMs);
    setState(slice, 'terminated');
  }

  private async runCreate(group: ScaleGroupConfig, request: CreateSliceRequest): Promise<SliceInfo> {
    const behaviour = this.behaviourOf(group.name);
    const zone = request.zone ?? groupZones(group)[0];
    const failure = this.scriptedFailure(group.name, zone);
    if (failure) {
      await this.clock.sleep(behaviour.createLatencyMs);
      throw failure;
    }
    const n = this.nextSlice++;
    const sliceId = `${sanitizeLabelValue(group.name).slice(0, 40)}-s${n}`;
    const now = this.clock.now();
    const labels = {
      ...clusterLabels(this.options.clusterName),
      [LABEL_GROUP]: sanitizeLabelValue(group.name),
      [LABEL_SLICE]: sliceId,
      [LABEL_REQUEST]: request.requestId,
      ...request.labels,
    };
    const vms: VmInfo[] = [];
    for (let i = 0; i < group.slice_size; i++) {
      vms.push({
        vmId: `${sliceId}-w${i}`,
        address: this.allocateAddress(),
        ...(zone === undefined ? {} : { zone }),
        labels,
        state: 'requesting',
        rawState: RAW.requesting,
        createdAtMs: now,
      });
    }
    const stuck = (this.stuckBoots.get(group.name) ?? 0) > 0;
    if (stuck) this.stuckBoots.set(group.name, (this.stuckBoots.get(group.name) ?? 1) - 1);
    const slice: FakeSlice = { sliceId, group: group.name, requestId: request.requestId, zone, createdAtMs: now, vms, stuck, timers: [] };
    this.slices.set(sliceId, slice);
    this.byRequest.set(request.requestId, sliceId);
    await this.clock.sleep(behaviour.createLatencyMs);
    if (sliceState(slice) === 'requesting') {
      setState(slice, 'booting');
      if (!stuck) {
        slice.timers.push(
          this.clock.setTimeout(() => {
            setState(slice, 'initializing');
            slice.timers.push(this.clock.setTimeout(() => setState(slice, 'ready'), behaviour.initMs));
          }, behaviour.bootMs),
        );
      }
    }
    return sliceInfo(slice);
  }

  private scriptedFailure(group: string, zone: string | undefined): ProviderError | undefined {
    const scripted = this.failures.get(group)?.shift();
    if (scripted) {
      return new ProviderError(scripted.kind, `fake ${scripted.kind} failure for group ${group}`, {
        provider: this.type,
        ...(zone === undefined ? {} : { zone }),
        ...(scripted.retryAfterMs === undefined ? {} : { retryAfterMs: scripted.retryAfterMs }),
      });
    }
    if (this.quotaExhausted.has(group)) return new ProviderError('quota', `quota exhausted for group ${group}`, { provider: this.type });
    if (this.stockouts.has(zone ?? '*')) {
      return new ProviderError('capacity', `no capacity in ${zone ?? 'provider'}`, { provider: this.type, ...(zone === undefined ? {} : { zone }) });
    }
    return undefined;
  }

  private behaviourOf(group: string): FakeBehaviour {
    return this.behaviours.get(group) ?? this.options.behaviour;
  }

  private allocateAddress(): string {
    const n = this.nextAddress++;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  }
}

/** The VmManager the fake platform hands each group. */
export class FakeVmManager implements VmManager {
  readonly group: string;

  constructor(
    private readonly platform: FakePlatform,
    private readonly config: ScaleGroupConfig,
  ) {
    this.group = config.name;
  }

  createSlice(request: CreateSliceRequest): Promise<SliceInfo> {
    this.platform.lastCreate = request;
    return this.platform.create(this.config, request);
  }

  async listSlices(): Promise<SliceInfo[]> {
    return this.platform.list(this.group);
  }

  terminateSlice(sliceId: string): Promise<void> {
    return this.platform.terminate(sliceId);
  }
}

function mutable(vm: VmInfo): { -readonly [K in keyof VmInfo]: VmInfo[K] } {
  return vm as { -readonly [K in keyof VmInfo]: VmInfo[K] };
}

function setState(slice: FakeSlice, state: VmState): void {
  for (const vm of slice.vms) {
    mutable(vm).state = state;
    mutable(vm).rawState = RAW[state];
  }
}

function sliceState(slice: FakeSlice): VmState {
  return aggregateSliceState(slice.vms.map((vm) => vm.state));
}

function copyVm(vm: VmInfo): VmInfo {
  return { ...vm, labels: { ...vm.labels } };
}

function sliceInfo(slice: FakeSlice): SliceInfo {
  const state = sliceState(slice);
  return {
    sliceId: slice.sliceId,
    group: slice.group,
    ...(slice.zone === undefined ? {} : { zone: slice.zone }),
    labels: { ...(slice.vms[0]?.labels ?? {}) },
    state,
    rawState: RAW[state],
    vms: slice.vms.map(copyVm),
    createdAtMs: slice.createdAtMs,
    requestId: slice.requestId,
  };
}
