import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProviderError } from '../errors.js';
import type { WorkerLaunch } from '../worker-launch.js';
import { assertWorkerLaunch, SliceRecordStore, sliceIdFor, workerJoinCommand, type SliceRecordBase } from './index.js';

const launch: WorkerLaunch = {
  controllerUrl: 'http://10.0.0.2:7000',
  joinToken: 'ij_secret',
  joinTokenExpiresAtMs: 1,
  env: { HF_HOME: '/cache' },
  attributes: { 'scale-group': 'g' },
  resources: { cpu: 4, memoryBytes: 8e9 },
};

describe('workerJoinCommand: how a VM joins as its own worker', () => {
  it('runs iris worker under the VM id, with the token in the environment only', () => {
    const { argv, env } = workerJoinCommand(launch, 'vm-1', { sliceId: 's-1', workDir: '/w' });
    expect(argv).toEqual([
      'worker',
      '--controller',
      'http://10.0.0.2:7000',
      '--worker-id',
      'vm-1',
      '--work-dir',
      '/w',
      '--cpu',
      '4',
      '--memory',
      '8000000000',
      '--attribute',
      'scale-group=g',
      '--attribute',
      'iris-slice=s-1',
    ]);
    expect(env).toEqual({ HF_HOME: '/cache', IRIS_CONTROLLER: 'http://10.0.0.2:7000', IRIS_JOIN_TOKEN: 'ij_secret', IRIS_VM_ADDRESS: 'vm-1' });
    expect(argv.join(' ')).not.toContain('ij_secret');
  });

  it('refuses, as invalid_request, a launch no worker could join with', () => {
    for (const bad of [undefined, { ...launch, controllerUrl: '' }, { ...launch, joinToken: '' }]) {
      const err = (() => {
        try {
          assertWorkerLaunch(bad, 'acme', 'g');
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(isProviderError(err) && err.kind).toBe('invalid_request');
    }
    expect(() => assertWorkerLaunch(launch, 'acme', 'g')).not.toThrow();
  });
});

describe('sliceIdFor', () => {
  it('is stable per request id, distinct between requests, and a label value of at most 63 characters', () => {
    expect(sliceIdFor('req-1', 'demo-cpu')).toBe(sliceIdFor('req-1', 'demo-cpu'));
    expect(sliceIdFor('req-1', 'demo-cpu')).not.toBe(sliceIdFor('req-2', 'demo-cpu'));
    const long = sliceIdFor('r', `${'A Very Long Cluster Name '.repeat(5)}-group`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9_-]+$/);
    expect(sliceIdFor('r')).toMatch(/^slice-[0-9a-f]{10}$/);
  });
});

describe('SliceRecordStore', () => {
  interface Rec extends SliceRecordBase {
    vms: string[];
  }
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const store = () => {
    const root = mkdtempSync(join(tmpdir(), 'iris-kit-'));
    dirs.push(root);
    return new SliceRecordStore<Rec>(root);
  };
  const rec = (sliceId: string): Rec => ({ sliceId, group: 'g', requestId: `r-${sliceId}`, labels: {}, createdAtMs: 1, stopping: false, vms: ['a'] });

  it('writes atomically, reads back, lists, and removes the slice folder with its files', () => {
    const s = store();
    s.write(rec('s1'));
    s.write({ ...rec('s1'), stopping: true });
    s.write(rec('s2'));
    writeFileSync(join(s.sliceDir('s2'), 'worker.log'), 'x');
    expect(s.read('s1')?.stopping).toBe(true);
    expect(
      s
        .list()
        .map((r) => r.sliceId)
        .sort(),
    ).toEqual(['s1', 's2']);
    expect(readdirSync(s.sliceDir('s1'))).toEqual(['slice.json']); // no temp file left behind
    s.remove('s2');
    s.remove('never');
    expect(s.list().map((r) => r.sliceId)).toEqual(['s1']);
  });

  it('treats a folder without a readable record as no slice', () => {
    const s = store();
    s.write(rec('ok'));
    writeFileSync(join(s.root, 'stray.txt'), 'not a slice');
    expect(s.list().map((r) => r.sliceId)).toEqual(['ok']);
    expect(store().list()).toEqual([]);
  });
});
