import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedCluster } from '@iris/core/config';
import { IrisClient, IrisApiError } from '@iris/core/api';
import { startClusterController, type ClusterControllerHandle } from '../../src/index.js';
import type { FakePlatform } from '../../src/testing.js';
import { fakeCpuClusterText, loadFakeCluster } from '../fake-cluster-file.js';
import { until } from '../support/until.js';

const CLUSTER = fakeCpuClusterText({ name: 'join', group: 'pair', sliceSize: 2, maxSlices: 1 });

const WORKER = {
  address: '10.0.0.1',
  resources: { cpu: 4, memory_bytes: 8e9, disk_bytes: 8e9 },
  accelerators: [],
  attributes: {},
};

async function status(work: Promise<unknown>): Promise<number> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  return err instanceof IrisApiError ? err.status : 0;
}

describe('the controller hands each slice a launch with its own join token, never the master token', () => {
  let stateDir: string;
  let platform: FakePlatform;
  let cluster: LoadedCluster;
  let handle: ClusterControllerHandle | undefined;

  beforeEach(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'iris-join-ctl-'));
    ({ platform, cluster } = await loadFakeCluster(CLUSTER, stateDir, { clusterName: 'join' }));
  });

  afterEach(async () => {
    await handle?.stop();
    handle = undefined;
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('passes the launch on the create; workers trade it per VM; terminating the slice revokes them', async () => {
    handle = await startClusterController({ stateDir, port: 0, config: cluster.config, registry: cluster.registry });
    const operator = new IrisClient({ baseUrl: handle.url, token: handle.token });
    await operator.submitJob({ name: '/t/one', command: ['true'], resources: { cpu: 2, memory_bytes: 1e9 } });
    const [slice] = await until('a slice', () => (platform.liveSlices('pair').length === 1 ? platform.liveSlices('pair') : undefined));
    const request = platform.lastCreate!;
    expect(request.launch.controllerUrl).toBe(handle.url);
    expect(request.launch.joinToken).toMatch(/^ij_/);
    expect(request.launch.attributes).toMatchObject({ 'scale-group': 'pair' });
    // The master token is nowhere in what a provider receives (metadata, SSH env, host files come from it).
    expect(JSON.stringify(request)).not.toContain(handle.token);

    const credentials: string[] = [];
    for (const vm of slice!.vms) {
      const joining = new IrisClient({ baseUrl: handle.url, token: request.launch.joinToken });
      const res = await joining.registerWorker({ worker_id: vm.vmId, ...WORKER });
      expect(res.worker_token).toMatch(/^iw_/);
      credentials.push(res.worker_token!);
      // The join token only registers.
      expect(await status(joining.listJobs())).toBe(401);
    }
    const [first, second] = slice!.vms.map((vm, i) => ({ vmId: vm.vmId, client: new IrisClient({ baseUrl: handle!.url, token: credentials[i]! }) }));
    expect(await status(first!.client.reconcile(first!.vmId, { attempts: [], wait_ms: 0 }))).toBe(0);
    // A worker acts only as itself, and never as the operator.
    expect(await status(first!.client.reconcile(second!.vmId, { attempts: [], wait_ms: 0 }))).toBe(401);
    expect(await status(first!.client.submitJob({ name: '/t/evil', command: ['true'] }))).toBe(401);
    // The slice had two VMs: the token is spent.
    const third = new IrisClient({ baseUrl: handle.url, token: request.launch.joinToken });
    const refused = await third.registerWorker({ worker_id: 'intruder', ...WORKER }).catch((e: unknown) => e as IrisApiError);
    expect(refused).toBeInstanceOf(IrisApiError);
    expect((refused as IrisApiError).message).toMatch(/already used by 2 worker/);

    await operator.autoscalerTerminateAll();
    await until('the credentials to be revoked', async () =>
      (await status(second!.client.reconcile(second!.vmId, { attempts: [], wait_ms: 0 }))) === 401 ? true : undefined,
    );
  });
});
