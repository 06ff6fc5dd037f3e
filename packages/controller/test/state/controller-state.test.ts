import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode } from '@iris/core';
import { API_ERROR_CODES } from '@iris/core/api';
import { StateFixture, workerRequest } from '../support/state-fixture.js';

let f: StateFixture;
beforeEach(() => {
  f = new StateFixture();
});
afterEach(() => f.close());

function submit(name: string, over: Record<string, unknown> = {}) {
  return f.state.submitJob({ name, command: ['echo', 'hi'], resources: { cpu: 1 }, ...over });
}

/** Registers a worker, schedules, and returns what the worker's first reconcile is told to start. */
function dispatch(workerId = 'w1') {
  if (!f.state.workers.has(workerId)) f.state.registerWorker(workerRequest(workerId));
  f.state.runSchedulingPass();
  return f.state.reconcile(workerId, []).start;
}

describe('jobs and attempts', () => {
  it('runs a task through its states to SUCCEEDED and persists every step', () => {
    submit('/team/run');
    const [start] = dispatch();
    expect(start).toMatchObject({ task_id: '/team/run/0', attempt: 0, job: '/team/run', command: ['echo', 'hi'], num_tasks: 1 });
    f.state.reconcile('w1', [{ task_id: '/team/run/0', attempt: 0, state: 'RUNNING' }]);
    expect(f.state.jobs.get('/team/run')!.state).toBe('RUNNING');
    f.state.reconcile('w1', [{ task_id: '/team/run/0', attempt: 0, state: 'SUCCEEDED', exit_code: 0 }]);
    expect(f.state.jobs.get('/team/run')!.state).toBe('SUCCEEDED');
    f.reopen();
    const job = f.state.jobs.get('/team/run')!;
    expect(job.state).toBe('SUCCEEDED');
    expect(job.tasks[0]!.state).toBe('SUCCEEDED');
    expect(f.store.attemptsOf('/team/run/0')).toMatchObject([{ attempt: 0, worker_id: 'w1', state: 'SUCCEEDED', exit_code: 0 }]);
  });

  it('retries a failure within the failure budget, then fails the job', () => {
    submit('/j', { max_retries_failure: 1 });
    dispatch();
    f.state.reconcile('w1', [{ task_id: '/j/0', attempt: 0, state: 'FAILED', exit_code: 3 }]);
    const t = f.state.tasks.get('/j/0')!;
    expect(t.state).toBe('PENDING');
    expect(t.failureCount).toBe(1);
    const [again] = dispatch();
    expect(again!.attempt).toBe(1);
    f.state.reconcile('w1', [{ task_id: '/j/0', attempt: 1, state: 'FAILED', exit_code: 3 }]);
    expect(t.state).toBe('FAILED');
    expect(f.state.jobs.get('/j')!.state).toBe('FAILED');
    expect(f.state.jobs.get('/j')!.error).toBe('exited with code 3');
  });

  it('ignores reports for a stale attempt and tells the worker to kill it', () => {
    submit('/j', { max_retries_failure: 1 });
    dispatch();
    f.state.reconcile('w1', [{ task_id: '/j/0', attempt: 0, state: 'FAILED', exit_code: 1 }]);
    dispatch();
    const out = f.state.reconcile('w1', [
      { task_id: '/j/0', attempt: 0, state: 'RUNNING' },
      { task_id: '/j/0', attempt: 1, state: 'RUNNING' },
    ]);
    expect(out.kill).toEqual([{ task_id: '/j/0', attempt: 0, reason: 'attempt is not current on this worker' }]);
    f.state.reconcile('w1', [
      { task_id: '/j/0', attempt: 0, state: 'SUCCEEDED', exit_code: 0 },
      { task_id: '/j/0', attempt: 1, state: 'RUNNING' },
    ]);
    expect(f.state.tasks.get('/j/0')!.state).toBe('RUNNING');
  });

  it('retries worker loss on the preemption budget when the worker stops reconciling', async () => {
    submit('/j', { max_retries_preemption: 1 });
    dispatch('w1');
    f.state.reconcile('w1', [{ task_id: '/j/0', attempt: 0, state: 'RUNNING' }]);
    await f.clock.advance(61_000);
    f.state.checkTimeouts();
    expect(f.state.workers.has('w1')).toBe(false);
    const t = f.state.tasks.get('/j/0')!;
    expect(t).toMatchObject({ state: 'PENDING', preemptionCount: 1 });
    dispatch('w2');
    f.state.reconcile('w2', [{ task_id: '/j/0', attempt: 1, state: 'RUNNING' }]);
    // The worker restarted and lost the attempt: the second loss exhausts the budget.
    f.state.reconcile('w2', []);
    expect(t.state).toBe('WORKER_FAILED');
    expect(f.state.jobs.get('/j')!.state).toBe('WORKER_FAILED');
  });

  it('accepts a late success of an attempt given up on, and stops its retry instead of running the work twice', async () => {
    submit('/late', { max_retries_preemption: 3 });
    dispatch('w1');
    f.state.reconcile('w1', [{ task_id: '/late/0', attempt: 0, state: 'RUNNING' }]);
    await f.clock.advance(61_000);
    f.state.checkTimeouts();
    const retry = dispatch('w2');
    expect(retry.map((s) => s.attempt)).toEqual([1]);
    f.state.reconcile('w2', [{ task_id: '/late/0', attempt: 1, state: 'RUNNING' }]);
    // w1 comes back with the end its task's supervisor had recorded.
    f.state.registerWorker({ ...workerRequest('w1'), attempts: [{ task_id: '/late/0', attempt: 0, state: 'SUCCEEDED', exit_code: 0 }] });
    expect(f.state.tasks.get('/late/0')!.state).toBe('SUCCEEDED');
    expect(f.state.jobs.get('/late')!.state).toBe('SUCCEEDED');
    expect(f.state.reconcile('w2', [{ task_id: '/late/0', attempt: 1, state: 'RUNNING' }]).kill).toEqual([
      expect.objectContaining({ task_id: '/late/0', attempt: 1 }),
    ]);
    // What the database holds says the same.
    f.reopen();
    expect(f.state.jobs.get('/late')!.state).toBe('SUCCEEDED');
  });

  it('resends a start until the worker reports the attempt', () => {
    submit('/j');
    dispatch();
    expect(f.state.reconcile('w1', []).start).toHaveLength(1);
    expect(f.state.reconcile('w1', [{ task_id: '/j/0', attempt: 0, state: 'BUILDING' }]).start).toHaveLength(0);
  });

  it('kills a job and its children, and tells workers to stop their attempts', () => {
    submit('/p', { replicas: 2 });
    submit('/p/child', { parent: '/p' });
    submit('/other');
    dispatch();
    f.state.killJob('/p');
    expect(f.state.jobs.get('/p')!.state).toBe('KILLED');
    expect(f.state.jobs.get('/p/child')!.state).toBe('KILLED');
    expect(f.state.jobs.get('/other')!.state).not.toBe('KILLED');
    const out = f.state.reconcile('w1', [
      { task_id: '/p/0', attempt: 0, state: 'RUNNING' },
      { task_id: '/other/0', attempt: 0, state: 'RUNNING' },
    ]);
    expect(out.kill.map((k) => k.task_id).sort()).toEqual(['/p/0', '/p/1', '/p/child/0']);
  });

  it('cancels children when the parent fails', () => {
    submit('/p');
    submit('/p/c', { parent: '/p' });
    dispatch();
    f.state.reconcile('w1', [{ task_id: '/p/0', attempt: 0, state: 'FAILED', exit_code: 1 }]);
    expect(f.state.jobs.get('/p/c')!.state).toBe('KILLED');
    expect(() => submit('/p/d', { parent: '/p' })).toThrow(/already finished/);
  });

  it('rejects a duplicate live name and replaces a finished one', () => {
    submit('/j');
    expect(() => submit('/j')).toThrow(expect.objectContaining({ code: API_ERROR_CODES.conflict }));
    f.state.killJob('/j');
    const again = submit('/j', { replicas: 2 });
    expect(again.tasks).toHaveLength(2);
    f.reopen();
    expect(f.state.jobs.get('/j')!.tasks).toHaveLength(2);
  });

  it('marks tasks UNSCHEDULABLE when the scheduling timeout passes', async () => {
    submit('/j', { scheduling_timeout_ms: 5_000, resources: { cpu: 64 } });
    f.state.registerWorker(workerRequest('w1'));
    f.state.runSchedulingPass();
    await f.clock.advance(5_000);
    f.state.checkTimeouts();
    const job = f.state.jobs.get('/j')!;
    expect(job.state).toBe('UNSCHEDULABLE');
    expect(job.tasks[0]!.error).toMatch(/no worker has 64 free CPUs/);
  });

  it('places a gang together and retries it whole when one member fails', () => {
    for (let i = 0; i < 2; i++) f.state.registerWorker(workerRequest(`s1-${i}`, { attributes: { 'tpu-name': 's1', 'tpu-worker-id': i } }));
    f.state.registerWorker(workerRequest('lone', { attributes: { 'tpu-name': 's2' } }));
    submit('/g', { replicas: 2, group_by: 'tpu-name', max_retries_failure: 1 });
    f.state.runSchedulingPass();
    const t0 = f.state.tasks.get('/g/0')!;
    const t1 = f.state.tasks.get('/g/1')!;
    expect([t0.workerId, t1.workerId]).toEqual(['s1-0', 's1-1']);
    f.state.reconcile('s1-0', [{ task_id: '/g/0', attempt: 0, state: 'RUNNING' }]);
    f.state.reconcile('s1-1', [{ task_id: '/g/1', attempt: 0, state: 'FAILED', exit_code: 1 }]);
    expect([t0.state, t1.state]).toEqual(['PENDING', 'PENDING']);
    expect(f.state.reconcile('s1-0', [{ task_id: '/g/0', attempt: 0, state: 'RUNNING' }]).kill).toHaveLength(1);
    f.state.runSchedulingPass();
    expect([t0.attempt, t1.attempt]).toEqual([1, 1]);
    // Second failure exhausts the budget: the sibling is killed and the job fails.
    f.state.reconcile('s1-1', [{ task_id: '/g/1', attempt: 1, state: 'FAILED', exit_code: 1 }]);
    expect([t0.state, t1.state]).toEqual(['KILLED', 'FAILED']);
    expect(f.state.jobs.get('/g')!.state).toBe('FAILED');
  });

  it('gives pending tasks a reason', () => {
    submit('/big', { resources: { cpu: 32 } });
    dispatch();
    expect(f.state.tasks.get('/big/0')!.pendingReason).toBe('no worker has 32 free CPUs (largest free: 4 on w1)');
  });

  it("gives new tasks their reason at once and rewrites queued tasks' reasons at most once a second", async () => {
    submit('/early');
    f.state.runSchedulingPass();
    expect(f.state.tasks.get('/early/0')!.pendingReason).toBe('no workers registered');
    // A second submission within the second: the new task gets its reason; the queued one is not revisited.
    f.state.tasks.get('/early/0')!.pendingReason = 'stale';
    submit('/late');
    f.state.runSchedulingPass();
    expect(f.state.tasks.get('/late/0')!.pendingReason).toBe('no workers registered');
    expect(f.state.tasks.get('/early/0')!.pendingReason).toBe('stale');
    // A worker too small for either: within the second only tasks without a reason get one...
    f.state.registerWorker(workerRequest('tiny', { resources: { cpu: 0.5, memory_bytes: 2 ** 40, disk_bytes: 2 ** 40 } }));
    submit('/third');
    f.state.runSchedulingPass();
    expect(f.state.tasks.get('/third/0')!.pendingReason).toMatch(/^no worker has 1 free CPU/);
    expect(f.state.tasks.get('/late/0')!.pendingReason).toBe('no workers registered');
    // ...and once a second has passed every queued task's reason is current.
    await f.clock.advance(1_000);
    f.state.runSchedulingPass();
    for (const name of ['/early/0', '/late/0', '/third/0']) expect(f.state.tasks.get(name)!.pendingReason).toMatch(/^no worker has 1 free CPU/);
  });
});

describe('restart recovery', () => {
  it('keeps attempts of a worker that comes back, and retries those of a worker that does not', async () => {
    submit('/a');
    submit('/b');
    f.state.registerWorker(workerRequest('w1', { resources: { cpu: 1, memory_bytes: 0, disk_bytes: 0 } }));
    f.state.registerWorker(workerRequest('w2', { resources: { cpu: 1, memory_bytes: 0, disk_bytes: 0 } }));
    f.state.runSchedulingPass();
    const onW1 = [...f.state.workers.get('w1')!.active][0]!.taskId;
    const onW2 = [...f.state.workers.get('w2')!.active][0]!.taskId;
    f.state.reconcile('w1', [{ task_id: onW1, attempt: 0, state: 'RUNNING' }]);
    f.state.reconcile('w2', [{ task_id: onW2, attempt: 0, state: 'RUNNING' }]);
    f.reopen();
    expect(f.state.tasks.get(onW1)!.state).toBe('RUNNING');
    await f.clock.advance(30_000);
    // w1 reconnects and still runs its attempt: nothing is restarted, nothing runs twice.
    const out = f.state.reconcile('w1', [{ task_id: onW1, attempt: 0, state: 'RUNNING' }]);
    expect(out).toEqual({ start: [], kill: [] });
    await f.clock.advance(31_000);
    f.state.checkTimeouts();
    expect(f.state.tasks.get(onW1)!.state).toBe('RUNNING');
    expect(f.state.tasks.get(onW2)!).toMatchObject({ state: 'PENDING', preemptionCount: 1 });
  });

  it('rebuilds the pending queue in submission order', () => {
    submit('/first', { replicas: 3 });
    submit('/second', { replicas: 2 });
    f.reopen();
    expect([...f.state.pending.keys()]).toEqual(['/first/0', '/first/1', '/first/2', '/second/0', '/second/1']);
    expect(submit('/third').seq).toBe(3);
  });

  it('a failed reconcile for an unknown worker asks it to register', () => {
    expect(() => f.state.reconcile('ghost', [])).toThrow(expect.objectContaining({ code: API_ERROR_CODES.notFound }));
    expect(hasErrorCode(new Error('x'), 'y')).toBe(false);
  });
});
