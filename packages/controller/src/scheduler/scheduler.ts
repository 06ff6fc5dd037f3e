import { matchesAll } from './constraints.js';
import { acceleratorCompatible, commit, resourcesFit } from './fit.js';
import { pendingReason } from './reasons.js';
import type { Assignment, PendingTask, ScheduleResult, WaitingGroup, WorkerCapacity } from './types.js';

interface Shape {
  candidates: WorkerCapacity[];
  cursor: number;
  unplaced: PendingTask[];
}

/**
 * One scheduling pass, a pure function of (pending tasks in queue order, worker capacities).
 * Gangs go first (all of a job's pending tasks on workers sharing the `groupBy` value, one task per
 * worker, or none). Then first fit in queue order; a task that does not fit is skipped, so it never
 * blocks the tasks behind it. Each worker takes at most `startSlots` new tasks.
 *
 * Speed: tasks of one shape (resources + constraints) share a candidate list and a cursor. Within a
 * pass capacity only shrinks, so a worker that cannot take a shape now never can later in the pass;
 * the cursor moves past it for good. A pass is O(shapes × workers + tasks), and a task that
 * cannot be placed costs a map lookup and an array slot: its shape is found through its job (no
 * key string built) and its reason is the shape's.
 */
export function schedule(tasks: readonly PendingTask[], workerCapacities: readonly WorkerCapacity[]): ScheduleResult {
  const workers = workerCapacities.map((w) => ({ ...w }));
  const assignments: Assignment[] = [];
  const waiting: WaitingGroup[] = [];

  const gangs = new Map<string, PendingTask[]>();
  for (const task of tasks) {
    if (!task.groupBy) continue;
    const gang = gangs.get(task.jobKey);
    if (gang) gang.push(task);
    else gangs.set(task.jobKey, [task]);
  }

  for (const gang of gangs.values()) placeGang(gang, workers, assignments, waiting);

  const shapes = new Map<string, Shape>();
  // A job's tasks almost always share its shape: remember the last one per job, keyed by the job.
  const byJob = new Map<string, { exemplar: PendingTask; shape: Shape }>();
  for (const task of tasks) {
    if (task.groupBy) continue;
    const known = byJob.get(task.jobKey);
    let shape: Shape | undefined = known && sameShape(known.exemplar, task) ? known.shape : undefined;
    if (!shape) {
      const key = shapeKey(task);
      shape = shapes.get(key);
      if (!shape) {
        shape = { candidates: workers.filter((w) => staticFit(task, w)), cursor: 0, unplaced: [] };
        shapes.set(key, shape);
      }
      byJob.set(task.jobKey, { exemplar: task, shape });
    }
    let placed = false;
    while (shape.cursor < shape.candidates.length) {
      const w = shape.candidates[shape.cursor]!;
      if (w.startSlots > 0 && resourcesFit(task.resources, w)) {
        commit(task.resources, w);
        assignments.push({ taskId: task.taskId, workerId: w.workerId });
        placed = true;
        break;
      }
      shape.cursor++;
    }
    if (!placed) shape.unplaced.push(task);
  }

  // One reason per shape: every task of a shape waits for the same thing.
  for (const shape of shapes.values()) {
    const first = shape.unplaced[0];
    if (first) waiting.push({ reason: pendingReason(first, workers), tasks: shape.unplaced });
  }
  return scheduleResult(assignments, waiting);
}

function scheduleResult(assignments: Assignment[], waiting: WaitingGroup[]): ScheduleResult {
  let byTask: Map<string, string> | undefined;
  return {
    assignments,
    waiting,
    get pendingReasons() {
      if (!byTask) {
        byTask = new Map();
        for (const group of waiting) for (const task of group.tasks) byTask.set(task.taskId, group.reason);
      }
      return byTask;
    },
  };
}

/** Same resources and constraints, compared field by field (no key string built). */
function sameShape(a: PendingTask, b: PendingTask): boolean {
  const ra = a.resources;
  const rb = b.resources;
  if (ra !== rb) {
    if (ra.cpu !== rb.cpu || ra.memory_bytes !== rb.memory_bytes || ra.disk_bytes !== rb.disk_bytes) return false;
    const xa = ra.accelerator;
    const xb = rb.accelerator;
    if (xa !== xb && (!xa || !xb || xa.type !== xb.type || xa.variant !== xb.variant || xa.count !== xb.count)) return false;
  }
  const ca = a.constraints;
  const cb = b.constraints;
  if (ca === cb) return true;
  if (ca.length !== cb.length) return false;
  for (let i = 0; i < ca.length; i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (x.key !== y.key || x.op !== y.op || x.value !== y.value) return false;
  }
  return true;
}

function placeGang(gang: PendingTask[], workers: WorkerCapacity[], assignments: Assignment[], waiting: WaitingGroup[]): void {
  const first = gang[0]!;
  const groupBy = first.groupBy!;
  const groups = new Map<string, WorkerCapacity[]>();
  for (const w of workers) {
    const value = w.attributes[groupBy];
    if (value === undefined || !staticFit(first, w)) continue;
    if (w.startSlots <= 0 || !resourcesFit(first.resources, w)) continue;
    const key = String(value);
    const members = groups.get(key);
    if (members) members.push(w);
    else groups.set(key, [w]);
  }
  let largest = 0;
  for (const members of groups.values()) {
    largest = Math.max(largest, members.length);
    if (members.length < gang.length) continue;
    // Workers in slice order, so task i lands on the slice's host i (JAX process ids follow it).
    members.sort((a, b) => workerOrdinal(a) - workerOrdinal(b));
    gang.forEach((task, i) => {
      const w = members[i]!;
      commit(task.resources, w);
      assignments.push({ taskId: task.taskId, workerId: w.workerId });
    });
    return;
  }
  const reason =
    largest === 0 && groups.size === 0
      ? `gang: no free worker with attribute '${groupBy}' fits (${pendingReason(first, workers)})`
      : `gang: need ${gang.length} free workers with the same '${groupBy}', largest group has ${largest}`;
  waiting.push({ reason, tasks: gang });
}

function staticFit(task: PendingTask, w: WorkerCapacity): boolean {
  return acceleratorCompatible(task.resources, w) && matchesAll(w.attributes, task.constraints);
}

function workerOrdinal(w: WorkerCapacity): number {
  const id = Number(w.attributes['tpu-worker-id']);
  return Number.isFinite(id) ? id : 0;
}

function shapeKey(task: PendingTask): string {
  const r = task.resources;
  const acc = r.accelerator;
  const base = `${r.cpu}|${r.memory_bytes}|${r.disk_bytes}|${acc ? `${acc.type}:${acc.variant ?? ''}:${acc.count}` : ''}`;
  return task.constraints.length === 0 ? base : `${base}|${JSON.stringify(task.constraints)}`;
}
