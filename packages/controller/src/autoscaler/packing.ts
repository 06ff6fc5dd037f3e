import type { ScaleGroupConfig } from '@iris/core';
import type { ResourceRequest } from '@iris/core/api';
import { fitCount } from '../scheduler/fit.js';
import type { WorkerCapacity } from '../scheduler/types.js';
import type { DemandEntry } from './types.js';

/** The request the scheduler will see for a demand entry's task (one per VM for a gang). */
export function demandRequest(entry: DemandEntry): ResourceRequest {
  const r = entry.resources;
  const request: ResourceRequest = { cpu: r.cpu, memory_bytes: r.ram, disk_bytes: r.disk };
  if (r.accelerator_count > 0 && entry.accelerator_type !== 'cpu') {
    request.accelerator = {
      type: entry.accelerator_type,
      count: r.accelerator_count,
      ...(entry.accelerator_variant ? { variant: entry.accelerator_variant } : {}),
    };
  }
  return request;
}

/** One VM of a group as the scheduler will see its worker when it registers, with nothing running. */
export function emptyVm(group: ScaleGroupConfig): WorkerCapacity {
  const r = group.resources;
  const accelerators = group.accelerator_type === 'gpu' ? r.gpu_count : group.accelerator_type === 'tpu' ? r.tpu_count : 0;
  return {
    workerId: `${group.name}/planned`,
    freeCpu: r.cpu,
    freeMemoryBytes: r.ram,
    freeDiskBytes: r.disk,
    ...(group.accelerator_type === 'cpu' ? {} : { acceleratorType: group.accelerator_type, acceleratorVariant: group.accelerator_variant }),
    freeAcceleratorCount: accelerators,
    attributes: {},
    startSlots: Number.POSITIVE_INFINITY,
  };
}

/** Tasks of `request` one slice of `group` holds (Infinity for a request of nothing). */
export function tasksPerSlice(request: ResourceRequest, group: ScaleGroupConfig): number {
  return fitCount(request, emptyVm(group)) * group.slice_size;
}

/** The largest share of one VM's resources a task of `request` takes (its dominant resource). */
export function dominantShare(request: ResourceRequest, vm: WorkerCapacity): number {
  const share = (need: number, have: number): number => (need <= 0 ? 0 : have <= 0 ? Number.POSITIVE_INFINITY : need / have);
  return Math.max(
    share(request.cpu, vm.freeCpu),
    share(request.memory_bytes, vm.freeMemoryBytes),
    share(request.disk_bytes, vm.freeDiskBytes),
    share(request.accelerator?.count ?? 0, vm.freeAcceleratorCount),
  );
}

/** Decides whether one more new slice may be opened, and records it when it is (cluster limits). */
export interface SliceAllowance {
  /** Undefined when the slice may open (and it is counted); else why not. */
  open(group: string, pricePerHour: number | undefined): string | undefined;
}

/**
 * Packs demand into one group's slices, first fit, with the scheduler's own fit function: the
 * group's empty slices (requested, booting, initializing or idle) are used before new ones are
 * opened, and new ones only while `maxNew` and the cluster allowance permit. Callers feed shapes
 * in decreasing dominant share (first-fit decreasing). Every VM with room left stays open for the
 * next, smaller shapes; identical VMs are kept as one entry with a count, so the cost is per
 * shape, not per task.
 */
export class GroupPacker {
  private readonly template: WorkerCapacity;
  /** VMs with room left, identical ones kept as one entry with a count, in the order opened. */
  private readonly open: OpenVms[] = [];
  /** Slices in use by this evaluation's plan (empty existing ones first). */
  slicesUsed = 0;
  /** Of which newly opened. */
  newSlices = 0;
  /** Why the last refused slice was refused (max_slices, or a cluster limit). */
  refusal: string | undefined;

  constructor(
    readonly group: ScaleGroupConfig,
    /** Empty slices the group has (coming or idle). */
    private readonly emptySlices: number,
    /** Slices it may still add (max_slices headroom). */
    private readonly maxNew: number,
    private readonly pricePerHour: number | undefined,
    private readonly allowance: SliceAllowance,
  ) {
    this.template = emptyVm(group);
  }

  /** Places up to `count` tasks of `request`; returns how many found room. */
  place(request: ResourceRequest, count: number): number {
    let left = count;
    for (let i = 0; i < this.open.length && left > 0; i++) {
      const bin = this.open[i]!;
      const k = fitCount(request, bin.vm);
      if (k <= 0) continue;
      if (!Number.isFinite(k)) {
        left = 0;
        break;
      }
      if (left >= k * bin.copies) {
        take(bin.vm, request, k);
        left -= k * bin.copies;
        continue;
      }
      // Only some of these identical VMs are needed: split off the ones that fill up.
      const full = Math.floor(left / k);
      const rest = left - full * k;
      const split: OpenVms[] = [];
      if (full > 0) split.push({ vm: taken(bin.vm, request, k), copies: full });
      if (rest > 0) split.push({ vm: taken(bin.vm, request, rest), copies: 1 });
      bin.copies -= full + (rest > 0 ? 1 : 0);
      this.open.splice(i, bin.copies > 0 ? 0 : 1, ...split);
      left = 0;
    }
    const perVm = fitCount(request, this.template);
    if (perVm <= 0 || left === 0) return count - left;
    if (!Number.isFinite(perVm)) {
      if (this.openSlices(1) === 1) {
        this.open.push({ vm: { ...this.template }, copies: this.group.slice_size });
        left = 0;
      }
      return count - left;
    }
    const perSlice = perVm * this.group.slice_size;
    const wanted = Math.ceil(left / perSlice);
    const got = this.openSlices(wanted);
    if (got === 0) return count - left;
    const placed = Math.min(left, got * perSlice);
    const fullVms = Math.floor(placed / perVm);
    const rest = placed - fullVms * perVm;
    if (fullVms > 0) this.open.push({ vm: taken(this.template, request, perVm), copies: fullVms });
    if (rest > 0) this.open.push({ vm: taken(this.template, request, rest), copies: 1 });
    const unused = got * this.group.slice_size - fullVms - (rest > 0 ? 1 : 0);
    if (unused > 0) this.open.push({ vm: { ...this.template }, copies: unused });
    return count - left + placed;
  }

  /** A gang takes one whole new (or empty) slice; false when none may open. */
  placeGang(): boolean {
    return this.openSlices(1) === 1;
  }

  private openSlices(n: number): number {
    let opened = 0;
    while (opened < n) {
      if (this.slicesUsed < this.emptySlices) {
        const reuse = Math.min(n - opened, this.emptySlices - this.slicesUsed);
        this.slicesUsed += reuse;
        opened += reuse;
        continue;
      }
      if (this.newSlices >= this.maxNew) {
        this.refusal = `max_slices=${this.group.max_slices}`;
        break;
      }
      const refusal = this.allowance.open(this.group.name, this.pricePerHour);
      if (refusal !== undefined) {
        this.refusal = refusal;
        break;
      }
      this.slicesUsed++;
      this.newSlices++;
      opened++;
    }
    return opened;
  }
}

interface OpenVms {
  vm: WorkerCapacity;
  copies: number;
}

function taken(vm: WorkerCapacity, r: ResourceRequest, k: number): WorkerCapacity {
  const copy = { ...vm };
  take(copy, r, k);
  return copy;
}

function take(vm: WorkerCapacity, r: ResourceRequest, k: number): void {
  if (k === Number.POSITIVE_INFINITY || k <= 0) return;
  vm.freeCpu -= r.cpu * k;
  vm.freeMemoryBytes -= r.memory_bytes * k;
  vm.freeDiskBytes -= r.disk_bytes * k;
  vm.freeAcceleratorCount -= (r.accelerator?.count ?? 0) * k;
}
