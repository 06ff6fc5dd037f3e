import { matchesAll } from './constraints.js';
import { acceleratorCompatible, commit, resourcesFit } from './fit.js';
import { pendingReason } from './reasons.js';
import type { Assignment, PendingTask, ScheduleResult, WorkerCapacity } from './types.js';

/**
 * One scheduling pass, a pure function of (pending tasks in queue order, worker capacities).
 * Gangs go first (all of a job's pending tasks on workers sharing the `groupBy` value, one task per
 * worker, or none). Then first fit in queue order; a task that does not fit is skipped, so it never
 * blocks the tasks behind it. Each worker takes at most `startSlots` new tasks.
 *
 * Speed: tasks of one shape (resources + constraints) share a candidate list and a cursor. Within a
 * pass capacity only shrinks, so a worker that cannot take a shape now never can later in the pass;
 * the cursor moves past it for good. A pass is O(shapes × workers + tasks).
 */
export function schedule(tasks: readonly PendingTask[], workerCapacities: readonly WorkerCapacity[]): ScheduleResult {
  const workers = workerCapacities.map((w) => ({ ...w }));
  const assignments: Assignment[] = [];
  const pendingReasons = new Map<string, string>();

  const gangs = new Map<string, PendingTask[]>();
  const singles: PendingTask[] = [];
  for (const task of tasks) {
    if (task.groupBy) {
      const gang = gangs.get(task.jobKey);
      if (gang) gang.push(task);
      else gangs.set(task.jobKey, [task]);
    } else {
      singles.push(task);
    }
  }

  for (const gang of gangs.values()) placeGang(gang, workers, assignments, pendingReasons);

  const shapes = new Map<string, { candidates: WorkerCapacity[]; cursor: number; unplaced: PendingTask[] }>();
  for (const task of singles) {
    const key = shapeKey(task);
    let shape = shapes.get(key);
    if (!shape) {
      shape = { candidates: workers.filter((w) => staticFit(task, w)), cursor: 0, unplaced: [] };
      shapes.set(key, shape);
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
    if (!first) continue;
    const reason = pendingReason(first, workers);
    for (const task of shape.unplaced) pendingReasons.set(task.taskId, reason);
  }
  return { assignments, pendingReasons };
}

function placeGang(
  gang: PendingTask[],
  workers: WorkerCapacity[],
  assignments: Assignment[],
  pendingReasons: Map<string, string>,
): void {
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
  for (const task of gang) pendingReasons.set(task.taskId, reason);
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
