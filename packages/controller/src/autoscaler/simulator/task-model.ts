import type { ScaleGroupConfig } from '@iris/core';
import { staticMismatch } from '../demand-matching.js';
import type { FakeSlice } from '../testing/fake-platform.js';
import type { DemandEntry, WorkerLiveness } from '../types.js';
import type { ScenarioJob } from './scenario.js';

export type SimTaskState = 'pending' | 'running' | 'done';

interface SimTask {
  state: SimTaskState;
  sliceId?: string;
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

/**
 * The smallest controller that exercises the autoscaler: pending tasks become demand (a gang as
 * one entry), tasks go onto ready idle slices (one task, or one whole gang, per slice), run for
 * their duration, and go back to pending when their slice is lost — a gang as a whole.
 */
export class TaskModel {
  readonly jobs = new Map<string, SimJob>();
  private readonly busy = new Map<string, string>();
  /** Entry id -> job and task index, as of the last demand() call. */
  private readonly entryIndex = new Map<string, { jobId: string; taskIndex?: number }>();

  constructor(private readonly groups: ReadonlyMap<string, ScaleGroupConfig>) {}

  submit(spec: ScenarioJob, nowMs: number): void {
    this.jobs.set(spec.id, { spec, submittedAtMs: nowMs, tasks: Array.from({ length: spec.tasks }, () => ({ state: 'pending' as const })), requeues: 0 });
  }

  /** Pending work as demand entries: `job` for a gang, `job/index` for each plain task. */
  demand(): DemandEntry[] {
    const out: DemandEntry[] = [];
    this.entryIndex.clear();
    for (const job of this.jobs.values()) {
      const s = job.spec;
      const base = {
        resources: s.resources,
        accelerator_type: s.accelerator_type,
        ...(s.accelerator_variant === undefined ? {} : { accelerator_variant: s.accelerator_variant }),
        ...(s.preemptible === undefined ? {} : { preemptible: s.preemptible }),
        ...(s.constraints === undefined ? {} : { constraints: s.constraints }),
      };
      if (s.gang) {
        if (job.tasks.every((t) => t.state === 'pending')) {
          out.push({ id: s.id, gang_size: s.tasks, ...base });
          this.entryIndex.set(s.id, { jobId: s.id });
        }
        continue;
      }
      job.tasks.forEach((t, i) => {
        if (t.state !== 'pending') return;
        out.push({ id: `${s.id}/${i}`, gang_size: 1, ...base });
        this.entryIndex.set(`${s.id}/${i}`, { jobId: s.id, taskIndex: i });
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
          this.busy.delete(t.sliceId ?? '');
          t.state = 'pending';
          delete t.sliceId;
          delete t.endsAtMs;
        }
        job.requeues++;
        requeued.push(job.spec.id);
        continue;
      }
      for (const t of job.tasks) {
        if (t.state === 'running' && (t.endsAtMs ?? 0) <= nowMs) {
          this.busy.delete(t.sliceId ?? '');
          t.state = 'done';
          finished++;
        }
      }
      if (job.finishedAtMs === undefined && job.tasks.every((t) => t.state === 'done')) job.finishedAtMs = nowMs;
    }
    return { finished, requeued };
  }

  /** Places pending work on ready idle slices, in submission order; returns how much started. */
  place(readySlices: readonly FakeSlice[], nowMs: number): number {
    const idle = readySlices.filter((s) => !this.busy.has(s.sliceId));
    let placed = 0;
    for (const entry of this.demand()) {
      const idx = idle.findIndex((s) => {
        const g = this.groups.get(s.group);
        return g !== undefined && staticMismatch(entry, g) === undefined;
      });
      if (idx < 0) continue;
      const slice = idle.splice(idx, 1)[0]!;
      const { jobId, taskIndex } = this.entryIndex.get(entry.id)!;
      const job = this.jobs.get(jobId)!;
      const tasks = taskIndex === undefined ? job.tasks : [job.tasks[taskIndex]!];
      for (const t of tasks) {
        t.state = 'running';
        t.sliceId = slice.sliceId;
        t.endsAtMs = nowMs + job.spec.durationMs;
      }
      this.busy.set(slice.sliceId, jobId);
      placed += tasks.length;
      if (job.satisfiedAtMs === undefined && job.tasks.every((t) => t.state !== 'pending')) job.satisfiedAtMs = nowMs;
    }
    return placed;
  }

  /** Registered workers: every VM of a ready slice heartbeats now; busy slices run a task. */
  workers(readySlices: readonly FakeSlice[], nowMs: number): Map<string, WorkerLiveness> {
    const m = new Map<string, WorkerLiveness>();
    for (const s of readySlices) {
      const running = this.busy.has(s.sliceId) ? 1 : 0;
      for (const vm of s.vms) m.set(vm.address, { lastHeartbeatMs: nowMs, runningTasks: running });
    }
    return m;
  }

  pendingJobs(): SimJob[] {
    return [...this.jobs.values()].filter((j) => j.tasks.some((t) => t.state === 'pending'));
  }
}
