import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IrisClient, routes, type RouteName } from '@iris/core/api';
import { startClusterController, type ClusterControllerHandle } from '../../src/index.js';
import { fakeCpuClusterText, loadFakeCluster } from '../fake-cluster-file.js';

const CLUSTER = fakeCpuClusterText({ name: 'contract', maxSlices: 1 });

const ajv = new Ajv({ strict: false, allErrors: true });
const called = new Set<RouteName>();

/** Records that a route was called and checks its JSON answer against the route's schema. */
async function check<T>(name: RouteName, call: Promise<T>): Promise<T> {
  const value = await call;
  called.add(name);
  const schema = routes[name].response;
  if (typeof schema === 'object') {
    const validate = ajv.compile(schema);
    if (!validate(value)) throw new Error(`${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 2000)}`);
  }
  return value;
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

let dir: string;
let handle: ClusterControllerHandle;
let client: IrisClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iris-contract-'));
  const { cluster } = await loadFakeCluster(CLUSTER, dir, { clusterName: 'contract', latencyMs: 1 });
  handle = await startClusterController({ stateDir: join(dir, 'state'), port: 0, config: cluster.config, registry: cluster.registry });
  client = new IrisClient({ baseUrl: handle.url, token: handle.token });
});

afterAll(async () => {
  await handle?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the API contract: every route, real data, every answer matches its schema', () => {
  it('serves each route of the table as the table says', async () => {
    await check('health', client.health());
    await check(
      'registerWorker',
      client.registerWorker({
        worker_id: 'w1',
        address: '127.0.0.1:1',
        resources: { cpu: 4, memory_bytes: 8e9, disk_bytes: 8e9 },
        accelerators: [],
        attributes: { zone: 'a' },
      }),
    );
    const bundle = new TextEncoder().encode('not really a tarball');
    await check('putBundle', client.uploadBundle(sha(bundle), bundle));
    expect(await check('headBundle', client.hasBundle(sha(bundle)))).toBe(true);
    expect(Buffer.from(await check('getBundle', client.downloadBundle(sha(bundle)))).toString()).toBe('not really a tarball');

    const submitted = await check(
      'submitJob',
      client.submitJob({ name: '/c/parent', command: ['train'], replicas: 2, resources: { cpu: 1 }, bundle_id: sha(bundle) }),
    );
    expect(submitted.job.children).toBe(0);
    handle.schedule();
    const work = await check('reconcile', client.reconcile('w1', { attempts: [], wait_ms: 0 }));
    expect(work.start.map((s) => s.task_id).sort()).toEqual(['/c/parent/0', '/c/parent/1']);
    const t0 = work.start.find((s) => s.task_id === '/c/parent/0')!;
    expect(t0.task_token).toMatch(/^iris-task\./);
    const ranAt = Date.now() - 1_000;
    await client.reconcile('w1', {
      attempts: [
        { task_id: '/c/parent/0', attempt: 0, state: 'RUNNING', started_at_ms: ranAt },
        { task_id: '/c/parent/1', attempt: 0, state: 'RUNNING', started_at_ms: ranAt },
      ],
      wait_ms: 0,
    });
    await check('pushLogs', client.pushLogs('w1', [{ task_id: '/c/parent/0', attempt: 0, stream: 'stdout', ts: ranAt, line: 'parent line' }]));

    // A task starts a child with its own token: the parent is inherited, no master token needed.
    const asTask = new IrisClient({ baseUrl: handle.url, token: t0.task_token! });
    const child = await asTask.submitJob({ name: '/c/parent/eval', command: ['eval'], resources: { cpu: 100 } });
    expect(child.job.parent).toBe('/c/parent');
    await client.pushLogs('w1', []);
    expect((await check('getJob', client.getJob('/c/parent'))).children).toBe(1);
    expect((await check('listJobs', client.listJobs({ parent: '/c/parent' }))).items.map((j) => j.name)).toEqual(['/c/parent/eval']);
    expect((await check('listTasks', client.listTasks('/c/parent'))).items).toHaveLength(2);
    const logs = await check('fetchLogs', client.fetchLogs({ id: '/c/parent' }));
    expect(logs.lines.map((l) => l.line)).toEqual(['parent line']);

    const out = new TextEncoder().encode('{"loss": 0.1}\n');
    await check('putOutputBlob', client.uploadOutput(sha(out), out));
    expect(await check('headOutputBlob', client.hasOutput(sha(out)))).toBe(true);
    await check(
      'putTaskOutputs',
      client.recordOutputs('/c/parent/0', { attempt: 0, files: [{ path: 'metrics/final.json', sha256: sha(out), size_bytes: out.length }] }),
    );
    const outputs = await check('listJobOutputs', client.listOutputs('/c/parent'));
    expect(outputs.items).toEqual([{ task_id: '/c/parent/0', attempt: 0, path: 'metrics/final.json', sha256: sha(out), size_bytes: out.length }]);
    const res = await client.downloadOutput(sha(out));
    called.add('getOutputBlob');
    expect(await res.text()).toBe('{"loss": 0.1}\n');

    await check('listActiveTasks', client.call('listActiveTasks', { query: { worker: 'w1' } }));
    await client.reconcile('w1', {
      attempts: [{ task_id: '/c/parent/0', attempt: 0, state: 'SUCCEEDED', exit_code: 0, started_at_ms: ranAt, finished_at_ms: ranAt + 500 }],
      wait_ms: 0,
    });
    // The same end from the attempt's supervisor: a no-op once the reconcile carried it.
    expect(await check('reportAttemptEnd', client.reportAttemptEnd('w1', { task_id: '/c/parent/0', attempt: 0, state: 'SUCCEEDED', exit_code: 0 }))).toEqual({
      task_id: '/c/parent/0',
      attempt: 0,
      attempt_state: 'SUCCEEDED',
      task_state: 'SUCCEEDED',
    });
    const task = await check('getTask', client.getTask('/c/parent/0'));
    expect(task.attempts[0]).toMatchObject({ created_at_ms: expect.any(Number), started_at_ms: ranAt, finished_at_ms: ranAt + 500, duration_ms: 500 });
    expect(task.duration_ms).toBe(500);

    await check('listWorkers', client.listWorkers());
    await check('listActions', client.listActions());
    await check('jobTree', client.call('jobTree', { query: { sort: 'name', order: 'asc' } }));
    await check('listHosts', client.call('listHosts'));
    await check('getConfig', client.call('getConfig'));
    await check('autoscalerStatus', client.autoscalerStatus());
    await check('autoscalerExplain', client.autoscalerExplain());
    const code = await check('mintLoginCode', client.call('mintLoginCode', { body: {} }));
    // Signing in with the one-time link creates a dashboard session, listed and revoked by the token holder.
    await fetch(`${handle.url}${code.path}`, { redirect: 'manual' });
    const sessions = await check('listSessions', client.call('listSessions'));
    expect(sessions.items).toHaveLength(1);
    await check('revokeSession', client.call('revokeSession', { params: { id: sessions.items[0]!.id } }));
    expect(await check('revokeWorker', client.call('revokeWorker', { params: { worker_id: 'w1' }, body: {} }))).toEqual({ worker_id: 'w1', revoked: 0 });
    const metrics = await client.metrics();
    called.add('metrics');
    expect(metrics).toMatch(/iris_jobs\{state="RUNNING"\} 1/);
    // Scraped while the job runs: tasks by state, passes and evaluations timed, HTTP latency by route,
    // slices by group and state, provider calls by kind.
    expect(metrics).toMatch(/iris_tasks\{state="SUCCEEDED"\} 1/);
    expect(metrics).toMatch(/iris_scheduling_pass_duration_seconds_count [1-9]/);
    expect(metrics).toMatch(/iris_autoscaler_evaluation_duration_seconds_count [1-9]/);
    expect(metrics).toMatch(/iris_http_request_duration_seconds_count\{route="submitJob",method="POST",status="201"\} [1-9]/);
    expect(metrics).toMatch(/# TYPE iris_slices gauge/);
    expect(metrics).toMatch(/iris_provider_calls_total\{provider="fake",call="listSlices"\} [1-9]/);
    expect((await check('killJob', client.killJob('/c/parent'))).state).toBe('KILLED');
    expect((await client.getJob('/c/parent/eval')).state).toBe('KILLED');
    await check('autoscalerTerminateAll', client.autoscalerTerminateAll());

    expect((Object.keys(routes) as RouteName[]).filter((r) => !called.has(r))).toEqual([]);
  });
});
