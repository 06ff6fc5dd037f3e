import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Storage } from '@google-cloud/storage';
import { ProviderError, type ControllerConfig, type Platform, type ProviderConfig } from '@iris/core';
import { GcsSnapshotStore } from '../src/controller/gcs-snapshot-store.js';
import { gcpPlatformFactory } from '../src/platform/gcp-platform.js';
import { GcpEmulator } from './emulator/gcp-emulator.js';
import { platformDeps } from './platform-fixture.js';

const BUCKET = 'iris-state-test';

/** The controller block as core hands it over: schema defaults applied. */
function controllerBlock(endpoint: string, overrides: Record<string, unknown> = {}): ProviderConfig {
  return {
    type: 'gcp',
    project_id: 'iris-test',
    zone: 'europe-west4-b',
    machine_type: 'n2-standard-4',
    boot_disk_size_gb: 50,
    state_disk_size_gb: 20,
    state_mount: '/mnt/disks/iris-state',
    port: 10000,
    access: 'ssh',
    api_endpoint: endpoint,
    state_snapshot_interval: '10m',
    state_snapshots_kept: 10,
    ...overrides,
  };
}

describe('state snapshots in Cloud Storage (real @google-cloud/storage client, emulated JSON API)', () => {
  let emulator: GcpEmulator;
  let endpoint: string;
  let dir: string;
  const platforms: Platform[] = [];

  beforeAll(async () => {
    emulator = new GcpEmulator();
    endpoint = await emulator.start();
    dir = mkdtempSync(join(tmpdir(), 'iris-gcs-'));
  });

  afterAll(async () => {
    await Promise.all(platforms.map((p) => p.close?.()));
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    emulator.storage.buckets.clear();
    emulator.storage.failure = undefined;
    emulator.storage.pageSize = 1000;
    emulator.storage.createBucket(BUCKET);
  });

  const snapshotsOf = async (overrides: Record<string, unknown> = {}, cluster = 'demo') => {
    const deps = { ...platformDeps(cluster), stateDir: dir };
    const platform = await gcpPlatformFactory.create(controllerBlock(endpoint, { state_bucket: BUCKET, ...overrides }), deps);
    platforms.push(platform);
    return platform.stateSnapshots?.({} as ControllerConfig);
  };

  it('is offered only with state_bucket, with the interval and the count kept from the block', async () => {
    const deps = { ...platformDeps('demo'), stateDir: dir };
    const without = await gcpPlatformFactory.create(controllerBlock(endpoint), deps);
    platforms.push(without);
    expect(without.stateSnapshots?.({} as ControllerConfig)).toBeUndefined();
    const settings = await snapshotsOf({ state_snapshot_interval: '90s', state_snapshots_kept: 3 });
    expect(settings).toMatchObject({ intervalMs: 90_000, keep: 3 });
    expect(settings?.store.location).toBe(`gs://${BUCKET}/demo/`);
  });

  it('uploads, lists (only its own cluster, across pages), downloads byte for byte and deletes', async () => {
    const settings = (await snapshotsOf())!;
    const other = (await snapshotsOf({}, 'other'))!;
    const data = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(70_000, 7)]);
    const file = join(dir, 'up.db');
    writeFileSync(file, data);
    emulator.storage.pageSize = 2;
    const names = ['controller-2026-11-29T10:00:00.000Z.db', 'controller-2026-11-29T10:10:00.000Z.db', 'controller-2026-11-29T10:20:00.000Z.db'];
    for (const name of names) await settings.store.upload(file, name);
    await other.store.upload(file, names[0]!);
    expect(emulator.storage.names(BUCKET)).toEqual([`demo/${names[0]}`, `demo/${names[1]}`, `demo/${names[2]}`, `other/${names[0]}`]);
    const listed = await settings.store.list();
    expect(listed.map((o) => o.name).sort()).toEqual(names);
    expect(listed[0]?.sizeBytes).toBe(data.length);
    const down = join(dir, 'down.db');
    await settings.store.download(names[2]!, down);
    expect(readFileSync(down).equals(data)).toBe(true);
    await settings.store.delete(names[0]!);
    await settings.store.delete(names[0]!); // already gone: fine
    expect((await settings.store.list()).map((o) => o.name).sort()).toEqual(names.slice(1));
    expect(emulator.requests.some((r) => r === `POST /upload/storage/v1/b/${BUCKET}/o`)).toBe(true);
  });

  it('names the bucket and what to do when the bucket is missing or the role is not granted', async () => {
    const settings = (await snapshotsOf({ state_bucket: 'no-such-bucket' }))!;
    const missing = await settings.store.list().catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ProviderError);
    expect(missing).toMatchObject({ kind: 'not_found' });
    expect((missing as Error).message).toMatch(/gs:\/\/no-such-bucket\/demo\/.*gcloud storage buckets create/);

    emulator.storage.failure = 'permission_denied';
    const store = (await snapshotsOf())!.store;
    const denied = await store.download('controller-2026-11-29T10:00:00.000Z.db', join(dir, 'x.db')).catch((e: unknown) => e);
    expect(denied).toMatchObject({ kind: 'auth' });
    expect((denied as Error).message).toMatch(
      /download gs:\/\/iris-state-test\/demo\/controller-2026-11-29T10:00:00\.000Z\.db failed: .*roles\/storage\.objectAdmin/,
    );
  });

  it('reports an unavailable service as transient, after the retries it is given', async () => {
    emulator.storage.failure = 'unavailable';
    const store = new GcsSnapshotStore({ bucket: BUCKET, prefix: 'demo/', apiEndpoint: endpoint, maxRetries: 0 });
    const err = await store.upload(join(dir, 'up.db'), 'controller-2026-11-29T10:00:00.000Z.db').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'transient' });
    expect((err as Error).message).toContain(`upload gs://${BUCKET}/demo/controller-2026-11-29T10:00:00.000Z.db failed`);
  });

  it('the emulator takes what the library sends: resumable and multipart uploads, media uploads, buckets', async () => {
    const storage = new Storage({ apiEndpoint: endpoint, projectId: 'iris-test', retryOptions: { maxRetries: 0 } });
    const file = join(dir, 'any.bin');
    writeFileSync(file, Buffer.alloc(100_000, 3));
    await storage.bucket(BUCKET).upload(file, { destination: 'r/resumable', resumable: true });
    await storage.bucket(BUCKET).file('r/saved').save('hello', { resumable: false });
    const media = await fetch(`${endpoint}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=${encodeURIComponent('r/media')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'raw',
    });
    expect(media.status).toBe(200);
    expect(emulator.storage.names(BUCKET)).toEqual(['r/media', 'r/resumable', 'r/saved']);
    expect(emulator.storage.buckets.get(BUCKET)?.get('r/resumable')?.data.length).toBe(100_000);
    const [contents] = await storage.bucket(BUCKET).file('r/saved').download();
    expect(contents.toString()).toBe('hello');
    await storage.createBucket('iris-other');
    const [buckets] = await storage.getBuckets();
    expect(buckets.map((b) => b.name)).toEqual(['iris-other', BUCKET]);
  });
});
