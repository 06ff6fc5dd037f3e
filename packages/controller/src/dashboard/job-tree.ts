import { JOB_STATES, TASK_STATES, type JobState, type TaskCounts } from '@iris/core/api';
import type { JobRecord } from '../state/model.js';
import { jobStartedAt } from '../state/views.js';

export const JOB_TREE_SORTS = ['submitted', 'name', 'state'] as const;
export type JobTreeSort = (typeof JOB_TREE_SORTS)[number];

export interface JobTreeQuery {
  state?: JobState;
  /** Case-insensitive substring of the job name. */
  name?: string;
  sort: JobTreeSort;
  descending: boolean;
  offset: number;
  limit: number;
}

/** One row of the jobs view: a job at its depth in the parent/child tree. */
export interface JobTreeRow {
  name: string;
  state: JobState;
  parent?: string;
  depth: number;
  /** Direct children (all of them, whether or not the filter shows them). */
  children: number;
  /** False for an ancestor shown only to place a matching child. */
  matched: boolean;
  replicas: number;
  task_counts: TaskCounts;
  submitted_at_ms: number;
  /** When the job's first task started running (absent until one has). */
  started_at_ms?: number;
  finished_at_ms?: number;
  /** Run time, from the first start to the end; set once the job has finished. */
  duration_ms?: number;
  error?: string;
  pending_reason?: string;
}

export interface JobTreePage {
  /** Rows of the whole filtered tree (the page is `items`). */
  total: number;
  offset: number;
  limit: number;
  /** Jobs per state over every job, filter or not. */
  counts: Record<JobState, number>;
  /** Tasks per state over every job. */
  task_counts: TaskCounts;
  items: JobTreeRow[];
}

const STATE_ORDER = new Map<JobState, number>(JOB_STATES.map((s, i) => [s, i]));

/**
 * The jobs view in one pass: children under their parents, each level sorted, filtered (a match
 * keeps its ancestors for context), then one page of the flattened tree. O(n log n) over all jobs,
 * so the browser never downloads more than the rows it shows.
 */
export function jobTree(jobs: Iterable<JobRecord>, query: JobTreeQuery): JobTreePage {
  const all = [...jobs];
  const byName = new Map(all.map((j) => [j.name, j]));
  const children = new Map<string, JobRecord[]>();
  const roots: JobRecord[] = [];
  const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const taskCounts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as TaskCounts;
  for (const job of all) {
    counts[job.state] += 1;
    for (const s of TASK_STATES) taskCounts[s] += job.counts[s];
    const parent = job.spec.parent;
    if (parent !== undefined && byName.has(parent)) {
      let list = children.get(parent);
      if (!list) children.set(parent, (list = []));
      list.push(job);
    } else {
      roots.push(job);
    }
  }
  const needle = query.name?.toLowerCase();
  const filtering = query.state !== undefined || (needle !== undefined && needle !== '');
  const matches = (j: JobRecord): boolean => (query.state === undefined || j.state === query.state) && (!needle || j.name.toLowerCase().includes(needle));
  const visible = new Set<string>();
  if (filtering) {
    for (const job of all) {
      if (!matches(job)) continue;
      // Walk up until an ancestor is already visible; bounded by the depth of the tree.
      let cur: JobRecord | undefined = job;
      while (cur && !visible.has(cur.name)) {
        visible.add(cur.name);
        cur = cur.spec.parent === undefined ? undefined : byName.get(cur.spec.parent);
      }
    }
  }
  const compare = comparator(query.sort, query.descending);
  const rows: { job: JobRecord; depth: number }[] = [];
  const stack: { job: JobRecord; depth: number }[] = [];
  const pushLevel = (level: JobRecord[], depth: number): void => {
    const shown = filtering ? level.filter((j) => visible.has(j.name)) : level;
    shown.sort(compare);
    for (let i = shown.length - 1; i >= 0; i--) stack.push({ job: shown[i]!, depth });
  };
  pushLevel(roots, 0);
  while (stack.length > 0) {
    const entry = stack.pop()!;
    rows.push(entry);
    const kids = children.get(entry.job.name);
    if (kids) pushLevel([...kids], entry.depth + 1);
  }
  const page = rows.slice(query.offset, query.offset + query.limit);
  return {
    total: rows.length,
    offset: query.offset,
    limit: query.limit,
    counts,
    task_counts: taskCounts,
    items: page.map(({ job, depth }) => row(job, depth, children.get(job.name)?.length ?? 0, !filtering || matches(job))),
  };
}

function comparator(sort: JobTreeSort, descending: boolean): (a: JobRecord, b: JobRecord) => number {
  const sign = descending ? -1 : 1;
  switch (sort) {
    case 'name':
      return (a, b) => sign * (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    case 'state':
      return (a, b) => sign * (STATE_ORDER.get(a.state)! - STATE_ORDER.get(b.state)! || a.seq - b.seq);
    case 'submitted':
      return (a, b) => sign * (a.submittedAt - b.submittedAt || a.seq - b.seq);
  }
}

function row(job: JobRecord, depth: number, children: number, matched: boolean): JobTreeRow {
  const r: JobTreeRow = {
    name: job.name,
    state: job.state,
    depth,
    children,
    matched,
    replicas: job.spec.replicas,
    task_counts: { ...job.counts },
    submitted_at_ms: job.submittedAt,
  };
  if (job.spec.parent !== undefined) r.parent = job.spec.parent;
  // Only the rows of one page get here, so the walk over each job's tasks stays small.
  const started = jobStartedAt(job);
  if (started !== undefined) r.started_at_ms = started;
  if (job.finishedAt !== undefined) {
    r.finished_at_ms = job.finishedAt;
    if (started !== undefined) r.duration_ms = Math.max(0, job.finishedAt - started);
  }
  if (job.error !== undefined) r.error = job.error;
  if (job.counts.PENDING > 0) {
    const reason = job.tasks.find((t) => t.state === 'PENDING' && t.pendingReason)?.pendingReason;
    if (reason) r.pending_reason = reason;
  }
  return r;
}
