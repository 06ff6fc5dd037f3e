import { JOB_STATES, TASK_STATES, type JobState, type TaskCounts } from '@iris/core/api';
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../state/model.js';
import { jobTree, type JobTreeQuery } from './job-tree.js';

function counts(partial: Partial<TaskCounts> = {}): TaskCounts {
  return { ...(Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as TaskCounts), ...partial };
}

let seq = 0;
function job(name: string, state: JobState, parent?: string, submittedAt = ++seq * 1000): JobRecord {
  seq += 1;
  return {
    name,
    seq,
    state,
    submittedAt,
    counts: counts({ [state === 'RUNNING' ? 'RUNNING' : state]: 1 } as Partial<TaskCounts>),
    tasks: [],
    spec: {
      command: ['true'],
      env: {},
      resources: { cpu: 0, memory_bytes: 0, disk_bytes: 0 },
      replicas: 1,
      max_retries_failure: 0,
      max_retries_preemption: 0,
      constraints: [],
      ports: [],
      ...(parent ? { parent } : {}),
    },
  } as JobRecord;
}

const base: JobTreeQuery = { sort: 'submitted', descending: false, offset: 0, limit: 100 };

describe('jobTree', () => {
  const jobs = [
    job('/a', 'RUNNING'),
    job('/b', 'SUCCEEDED'),
    job('/a/x', 'FAILED', '/a'),
    job('/a/y', 'SUCCEEDED', '/a'),
    job('/a/x/deep', 'PENDING', '/a/x'),
    job('/orphan/child', 'SUCCEEDED', '/gone'),
  ];

  it('places children under their parents, each level sorted', () => {
    const page = jobTree(jobs, base);
    expect(page.items.map((r) => [r.name, r.depth])).toEqual([
      ['/a', 0],
      ['/a/x', 1],
      ['/a/x/deep', 2],
      ['/a/y', 1],
      ['/b', 0],
      ['/orphan/child', 0],
    ]);
    expect(page.items[0]!.children).toBe(2);
    expect(page.total).toBe(6);
    expect(page.counts).toEqual({ ...Object.fromEntries(JOB_STATES.map((s) => [s, 0])), RUNNING: 1, SUCCEEDED: 3, FAILED: 1, PENDING: 1 });
    expect(page.task_counts.SUCCEEDED).toBe(3);
  });

  it('sorts each level descending by submission', () => {
    const names = jobTree(jobs, { ...base, descending: true }).items.map((r) => r.name);
    expect(names).toEqual(['/orphan/child', '/b', '/a', '/a/y', '/a/x', '/a/x/deep']);
  });

  it('sorts by state and by name', () => {
    expect(
      jobTree(jobs, { ...base, sort: 'state' })
        .items.filter((r) => r.depth === 0)
        .map((r) => r.name),
    ).toEqual(['/a', '/b', '/orphan/child']);
    expect(
      jobTree(jobs, { ...base, sort: 'name', descending: true })
        .items.filter((r) => r.depth === 0)
        .map((r) => r.name),
    ).toEqual(['/orphan/child', '/b', '/a']);
  });

  it('filters by state and keeps the ancestors of a match as context', () => {
    const page = jobTree(jobs, { ...base, state: 'PENDING' });
    expect(page.items.map((r) => [r.name, r.matched])).toEqual([
      ['/a', false],
      ['/a/x', false],
      ['/a/x/deep', true],
    ]);
  });

  it('filters by a case-insensitive part of the name', () => {
    expect(jobTree(jobs, { ...base, name: 'ORPH' }).items.map((r) => r.name)).toEqual(['/orphan/child']);
    expect(jobTree(jobs, { ...base, name: 'nothing' }).total).toBe(0);
  });

  it('says when a job first started and, once finished, how long it ran (not counting its wait)', () => {
    const ran = job('/ran', 'SUCCEEDED', undefined, 1_000);
    ran.finishedAt = 9_000;
    ran.tasks = [{ startedAt: 4_000 }, { startedAt: 3_000 }] as JobRecord['tasks'];
    const [row] = jobTree([ran, job('/queued', 'PENDING')], { ...base, name: 'ran' }).items;
    expect(row).toMatchObject({ submitted_at_ms: 1_000, started_at_ms: 3_000, finished_at_ms: 9_000, duration_ms: 6_000 });
    expect(jobTree([job('/queued2', 'PENDING')], base).items[0]!.started_at_ms).toBeUndefined();
  });

  it('pages the flattened tree', () => {
    const page = jobTree(jobs, { ...base, offset: 2, limit: 2 });
    expect(page.items.map((r) => r.name)).toEqual(['/a/x/deep', '/a/y']);
    expect(page.total).toBe(6);
  });
});
