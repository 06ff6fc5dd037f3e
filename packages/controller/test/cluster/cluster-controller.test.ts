import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedCluster } from '@iris/core/config';
import { IrisClient, IrisApiError } from '@iris/core/api';
import { startClusterController, type AutoscalerExplanation, type AutoscalerStatus, type ClusterControllerHandle } from '../../src/index.js';
import type { FakePlatform } from '../../src/testing.js';
import { fakeCpuClusterText, loadFakeCluster } from '../fake-cluster-file.js';
import { until } from '../support/until.js';

const CLUSTER = fakeCpuClusterText({ name: 'unit', maxSlices: 2, workerTimeout: '30s' });

describe('startClusterController: a controller with platforms and an autoscaler behind its API', () => {
  let stateDir: string;
  let platform: FakePlatform;
  let cluster: LoadedCluster;
  let running: ClusterControllerHandle[];

  beforeEach(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'iris-cluster-ctl-'));
    running = [];
    ({ platform, cluster } = await loadFakeCluster(CLUSTER, stateDir, { clusterName: 'unit' }));
  });

  afterEach(async () => {
    for (const h of running) await h.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  async function start(): Promise<ClusterControllerHandle> {
    const handle = await startClusterController({ stateDir, port: 0, config: cluster.config, registry: cluster.registry });
    running.push(handle);
    return handle;
  }

  it('scales a group up for a pending task at once and explains why, through the API', async () => {
    const handle = await start();
    const client = new IrisClient({ baseUrl: handle.url, token: handle.token });
    await client.submitJob({ name: '/t/one', command: ['true'], resources: { cpu: 2, memory_bytes: 1e9 } });
    // No worker ever registers with a fake VM, so the task stays pending and the slice stays up.
    await until('a slice', () => (platform.liveSlices('cpu').length === 1 ? true : undefined));
    const status = await client.autoscalerStatus<AutoscalerStatus>();
    const group = status.groups.find((g) => g.name === 'cpu')!;
    expect(group.counts.total).toBe(1);
    expect(status.recentActions.find((a) => a.type === 'scale_up')?.reason).toMatch(/demand=1 > capacity=0/);
    const explanation = await client.autoscalerExplain<AutoscalerExplanation>();
    expect(explanation.groups.map((g) => g.name)).toEqual(['cpu']);
    expect(explanation.demand.some((d) => d.outcome === 'routed' && d.group === 'cpu')).toBe(true);
  });

  it('says why a job no group can run waits, and fails it UNSCHEDULABLE with that reason after its scheduling timeout', async () => {
    const handle = await start();
    const client = new IrisClient({ baseUrl: handle.url, token: handle.token });
    await client.submitJob({
      name: '/t/gpu',
      command: ['true'],
      resources: { cpu: 1, memory_bytes: 1e9, accelerator: { type: 'gpu', count: 1 } },
      scheduling_timeout_ms: 2_000,
    });
    const waiting = await until(
      'a pending reason from the autoscaler',
      async () => {
        const job = await client.getJob('/t/gpu');
        return job.pending_reason?.includes('no scale group offers gpu') ? job.pending_reason : undefined;
      },
      60_000,
    );
    expect(waiting).toContain('autoscaler: no scale group offers gpu');
    const failed = await until(
      'UNSCHEDULABLE',
      async () => {
        const job = await client.getJob('/t/gpu');
        return job.state === 'UNSCHEDULABLE' ? job : undefined;
      },
      60_000,
    );
    expect(failed.error ?? (await client.getJob('/t/gpu')).error ?? '').toContain('no scale group offers gpu');
    expect(platform.liveSlices('cpu')).toEqual([]);
  }, 180_000);

  it('adopts its slices after a restart instead of creating new ones', async () => {
    const first = await start();
    const client = new IrisClient({ baseUrl: first.url, token: first.token });
    await client.submitJob({ name: '/t/one', command: ['true'], resources: { cpu: 2, memory_bytes: 1e9 } });
    const [slice] = await until('a ready slice', () => {
      const live = platform.liveSlices('cpu');
      return live.length === 1 && live[0]!.vms.every((vm) => vm.state === 'ready') ? live : undefined;
    });
    await first.stop();
    running = [];
    const second = await start();
    expect(second.reconcileReport.adopted).toBe(1);
    // Evaluate with the demand still pending: an adopted slice must count, not be created again.
    await second.autoscalerInstance.runOnce();
    await second.autoscalerInstance.runOnce();
    await second.autoscalerInstance.settle();
    expect(platform.liveSlices('cpu').map((s) => s.sliceId)).toEqual([slice!.sliceId]);
  });

  it('terminates everything it owns on terminate-all, and only with the token', async () => {
    const handle = await start();
    const client = new IrisClient({ baseUrl: handle.url, token: handle.token });
    await client.submitJob({ name: '/t/two', command: ['true'], replicas: 2, resources: { cpu: 4, memory_bytes: 1e9 } });
    await until('two slices', () => (platform.liveSlices('cpu').length === 2 ? true : undefined));
    const anonymous = new IrisClient({ baseUrl: handle.url });
    const refused = await anonymous.autoscalerTerminateAll().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IrisApiError);
    expect((refused as IrisApiError).status).toBe(401);
    expect(platform.liveSlices('cpu')).toHaveLength(2);
    const answer = await client.autoscalerTerminateAll();
    expect(answer.slices).toBe(2);
    expect(platform.liveSlices('cpu')).toEqual([]);
    expect(platform.heldVms()).toEqual([]);
  });
});
