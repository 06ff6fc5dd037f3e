import type { ScaleGroupConfig } from '@iris/core';
import type { Constraint } from '@iris/core/api';
import { schedule } from '../../scheduler/scheduler.js';
import type { PendingTask, WorkerCapacity } from '../../scheduler/types.js';
import { groupAttributes } from '../demand-matching.js';
import { demandRequest, emptyVm } from '../packing.js';
import type { FakeSlice } from '../testing/fake-platform.js';
import type { DemandEntry, WorkerLiveness } from '../types.js';
import type { ScenarioJob } from './scenario.js';

export type SimTaskState = 'pending' | 'running' | 'done';

interface SimTask {
  state: SimTaskState;
  sliceId?: string;
  /** The VM (worker id = VM id) it runs on. */
  vmId?: string;
  endsAtMs?: number;
}

export interface SimJob {
  readonly spec: ScenarioJob;
  readonly submittedAtMs: number;
  readonly tasks: SimTask[];
  /** When every task was first running at once (the job got its capacity). */
  satisfiedAtMs?: number;
  finishedAtMs?: number;
  /** Times a task (or the gang) went back to pending because its slice was lost. */
  requeues: number;
}

/** The attribute gangs are grouped by in the simulation: all of a gang on one slice. */
const SLICE_ATTRIBUTE = 'slice';

/**
 * The smallest controller that exercises the autoscaler: pending tasks become demand (a gang as
 * one entry), the real scheduler places them on the VMs of ready slices (packing several tasks
 * per VM as resources allow, a gang on one whole slice), tasks run for their duration, and go
 * back to pending when their slice is lost — a gang as a whole.
 */
export class TaskModel {
  readonly jobs = new Map<string, SimJob>();
  /** Tasks running per VM id. */
  private readonly running = new Map<string, number>();

  constructor(private readonly groups: ReadonlyMap<string, ScaleGroupConfig>) {}

  submit(spec: ScenarioJob, nowMs: number): void {
    this.jobs.set(spec.id, { spec, submittedAtMs: nowMs, tasks: Array.from({ length: spec.tasks }, () => ({ state: 'pending' as const })), requeues: 0 });
  }

  /** Pending work as demand entries: `job` for a gang, `job/index` for each plain task. */
  demand(): DemandEntry[] {
    const out: DemandEntry[] = [];
    for (const job of this.jobs.values()) {
      const s = job.spec;
      if (s.gang) {
        if (job.tasks.every((t) => t.state === 'pending')) out.push({ id: s.id, gang_size: s.tasks, ...entryBase(s) });
        continue;
      }
      const base = entryBase(s);
      job.tasks.forEach((t, i) => {
        if (t.state === 'pending') out.push({ id: `${s.id}/${i}`, gang_size: 1, ...base });
      });
    }
    return out;
  }

  /** Finishes tasks whose time is up and requeues tasks whose slice is no longer ready. */
  advance(nowMs: number, readySliceIds: ReadonlySet<string>): { finished: number; requeued: string[] } {
    let finished = 0;
    const requeued: string[] = [];
    for (const job of this.jobs.values()) {
      const lost = job.tasks.some((t) => t.state === 'running' && !readySliceIds.has(t.sliceId ?? ''));
      if (lost) {
        // A gang cannot run with a member missing; a plain task only loses itself.
        for (const t of job.tasks) {
          if (t.state !== 'running') continue;
          if (!job.spec.gang && readySliceIds.has(t.sliceId ?? '')) continue;
          this.release(t);
          t.state = 'pending';
        }
        job.requeues++;
        requeued.push(job.spec.id);
        continue;
      }
      for (const t of job.tasks) {
        if (t.state === 'running' && (t.endsAtMs ?? 0) <= nowMs) {
          this.release(t);
          t.state = 'done';
          finished++;
        }
      }
      if (job.finishedAtMs === undefined && job.tasks.every((t) => t.state === 'done')) job.finishedAtMs = nowMs;
    }
    return { finished, requeued };
  }

  /** Places pending work on the VMs of ready slices with the scheduler; returns how many tasks started. */
  place(readySlices: readonly FakeSlice[], nowMs: number): number {
    const workers: WorkerCapacity[] = [];
    const where = new Map<string, { sliceId: string }>();
    const byId = new Map<string, WorkerCapacity>();
    for (const s of readySlices) {
      const g = this.groups.get(s.group);
      if (!g) continue;
      const attributes = { ...groupAttributes(g), [SLICE_ATTRIBUTE]: s.sliceId };
      for (const vm of s.vms) {
        const w: WorkerCapacity = { ...emptyVm(g), workerId: vm.vmId, attributes };
        workers.push(w);
        byId.set(vm.vmId, w);
        where.set(vm.vmId, { sliceId: s.sliceId });
      }
    }
    // Subtract what already runs there.
    for (const job of this.jobs.values()) {
      const request = demandRequest({ id: '', gang_size: 1, ...entryBase(job.spec) });
      for (const t of job.tasks) {
        const w = t.state === 'running' && t.vmId !== undefined ? byId.get(t.vmId) : undefined;
        if (!w) continue;
        w.freeCpu -= request.cpu;
        w.freeMemoryBytes -= request.memory_bytes;
        w.freeDiskBytes -= request.disk_bytes;
        w.freeAcceleratorCount -= request.accelerator?.count ?? 0;
      }
    }
    const pending: PendingTask[] = [];
    const owner = new Map<string, { job: SimJob; task: SimTask }>();
    for (const job of this.jobs.values()) {
      const s = job.spec;
      if (s.gang && !job.tasks.every((t) => t.state === 'pending')) continue;
      const request = demandRequest({ id: '', gang_size: 1, ...entryBase(s) });
      const constraints: Constraint[] = (s.constraints ?? []).map((c) => ({ key: c.key, op: c.op, ...(c.value === undefined ? {} : { value: c.value }) }));
      job.tasks.forEach((t, i) => {
        if (t.state !== 'pending') return;
        const taskId = `${s.id}/${i}`;
        owner.set(taskId, { job, task: t });
        pending.push({ taskId, jobKey: s.id, resources: request, constraints, ...(s.gang ? { groupBy: SLICE_ATTRIBUTE } : {}) });
      });
    }
    if (pending.length === 0 || workers.length === 0) return 0;
    const { assignments } = schedule(pending, workers);
    for (const a of assignments) {
      const { job, task } = owner.get(a.taskId)!;
      task.state = 'running';
      task.vmId = a.workerId;
      task.sliceId = where.get(a.workerId)!.sliceId;
      task.endsAtMs = nowMs + job.spec.durationMs;
      this.running.set(a.workerId, (this.running.get(a.workerId) ?? 0) + 1);
    }
    for (const job of this.jobs.values()) {
      if (job.satisfiedAtMs === undefined && job.tasks.every((t) => t.state !== 'pending')) job.satisfiedAtMs = nowMs;
    }
    return assignments.length;
  }

  /** Registered workers, keyed by VM id: every VM of a ready slice heartbeats now. */
  workers(readySlices: readonly FakeSlice[], nowMs: number): Map<string, WorkerLiveness> {
    const m = new Map<string, WorkerLiveness>();
    for (const s of readySlices) {
      for (const vm of s.vms) m.set(vm.vmId, { lastHeartbeatMs: nowMs, runningTasks: this.running.get(vm.vmId) ?? 0 });
    }
    return m;
  }

  pendingJobs(): SimJob[] {
    return [...this.jobs.values()].filter((j) => j.tasks.some((t) => t.state === 'pending'));
  }

  private release(t: SimTask): void {
    if (t.vmId !== undefined) {
      const n = (this.running.get(t.vmId) ?? 1) - 1;
      if (n > 0) this.running.set(t.vmId, n);
      else this.running.delete(t.vmId);
    }
    delete t.sliceId;
    delete t.vmId;
    delete t.endsAtMs;
  }
}

function entryBase(s: ScenarioJob): Omit<DemandEntry, 'id' | 'gang_size'> {
  return {
    resources: s.resources,
    accelerator_type: s.accelerator_type,
    ...(s.accelerator_variant === undefined ? {} : { accelerator_variant: s.accelerator_variant }),
    ...(s.preemptible === undefined ? {} : { preemptible: s.preemptible }),
    ...(s.constraints === undefined ? {} : { constraints: s.constraints }),
  };
}
