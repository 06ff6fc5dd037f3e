import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasErrorCode, type StateSnapshotObject, type StateSnapshotStore } from '@iris/core';
import type { LoadedCluster } from '@iris/core/config';
import { IrisClient } from '@iris/core/api';
import { startClusterController, type ClusterControllerHandle } from '../../src/index.js';
import { STATE_RESTORE_FAILED } from '../../src/state/state-snapshots.js';
import type { FakePlatform } from '../../src/testing.js';
import { fakeCpuClusterText, loadFakeCluster } from '../fake-cluster-file.js';

const CLUSTER = fakeCpuClusterText({ name: 'unit', maxSlices: 0 });

class MemoryStore implements StateSnapshotStore {
  readonly location = 'mem://snapshots/unit/';
  readonly objects = new Map<string, Buffer>();
  failList: Error | undefined;
  async list(): Promise<StateSnapshotObject[]> {
    if (this.failList) throw this.failList;
    return [...this.objects.keys()].map((name) => ({ name }));
  }
  async upload(file: string, name: string): Promise<void> {
    this.objects.set(name, readFileSync(file));
  }
  async download(name: string, file: string): Promise<void> {
    writeFileSync(file, this.objects.get(name)!);
  }
  async delete(name: string): Promise<void> {
    this.objects.delete(name);
  }
}

/** The controller's side of Platform.stateSnapshots, through the real startClusterController. */
describe('state snapshots wired into the cluster controller', () => {
  let dir: string;
  let platform: FakePlatform;
  let cluster: LoadedCluster;
  let store: MemoryStore;
  const running: ClusterControllerHandle[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iris-snapshot-wiring-'));
    ({ platform, cluster } = await loadFakeCluster(CLUSTER, dir, { clusterName: 'unit' }));
    store = new MemoryStore();
    // The fake provider hands the controller block the same platform: give it the capability.
    Object.assign(platform, { stateSnapshots: () => ({ store, intervalMs: 3_600_000, keep: 5 }) });
  });

  afterEach(async () => {
    for (const h of running.splice(0)) await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (stateDir: string): Promise<ClusterControllerHandle> => {
    const handle = await startClusterController({ stateDir, port: 0, config: cluster.config, registry: cluster.registry });
    running.push(handle);
    return handle;
  };

  it('snapshots on stop, and a controller with an empty state dir restores that snapshot before serving', async () => {
    const first = await start(join(dir, 'disk-1'));
    expect(first.stateSnapshots).toBeDefined();
    const client = new IrisClient({ baseUrl: first.url, token: first.token });
    await client.submitJob({ name: '/t/kept', command: ['true'], resources: { cpu: 1, memory_bytes: 1e8 } });
    running.splice(running.indexOf(first), 1);
    await first.stop();
    const names = [...store.objects.keys()];
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^controller-\d{4}-.*Z\.db$/);

    const second = await start(join(dir, 'disk-2'));
    const restored = new IrisClient({ baseUrl: second.url, token: second.token });
    expect((await restored.getJob('/t/kept')).name).toBe('/t/kept');
    // Its store calls count as provider calls in /metrics.
    expect(await second.stateSnapshots!.snapshot()).toBe(true);
    const metrics = await (await fetch(`${second.url}/metrics`, { headers: { authorization: `Bearer ${second.token}` } })).text();
    expect(metrics).toMatch(/iris_provider_calls_total\{provider="fake",call="upload"\} 1/);
  });

  it('refuses to start on an empty state dir when the snapshots cannot be listed, and leaves no database behind', async () => {
    store.failList = new Error('403 Forbidden');
    const stateDir = join(dir, 'disk-3');
    const err = await start(stateDir).catch((e: unknown) => e);
    expect(hasErrorCode(err, STATE_RESTORE_FAILED)).toBe(true);
    expect((err as Error).message).toContain('mem://snapshots/unit/');
    expect(existsSync(join(stateDir, 'controller.db'))).toBe(false);
    // A state dir that has its database does not ask the store at all.
    store.failList = undefined;
    const live = await start(join(dir, 'disk-4'));
    running.splice(running.indexOf(live), 1);
    await live.stop();
    store.failList = new Error('403 Forbidden');
    const again = await start(join(dir, 'disk-4'));
    expect(again.url).toMatch(/^http:/);
  });
});
