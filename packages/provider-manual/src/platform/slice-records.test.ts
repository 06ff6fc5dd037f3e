import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualSliceRecords, type ManualSliceRecord } from './slice-records.js';

function record(sliceId: string, hosts: string[]): ManualSliceRecord {
  return {
    sliceId,
    group: 'lab',
    requestId: `r-${sliceId}`,
    labels: {},
    createdAtMs: 1,
    stopping: false,
    vms: hosts.map((host, i) => ({ vmId: `${sliceId}-${i}`, host, state: 'running', createdAtMs: 1 })),
  };
}

describe('ManualSliceRecords', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps records in the provider kit store and knows the hosts they hold', () => {
    const root = mkdtempSync(join(tmpdir(), 'iris-manual-records-'));
    dirs.push(root);
    const records = new ManualSliceRecords(root);
    records.write(record('a', ['h1', 'h2']));
    records.write(record('b', ['h3']));
    expect(existsSync(join(root, 'a', 'slice.json'))).toBe(true);
    expect([...records.heldHosts()].sort()).toEqual(['h1', 'h2', 'h3']);
    records.remove('a');
    expect(records.list().map((r) => r.sliceId)).toEqual(['b']);
  });

  it('adopts records an earlier version wrote as <sliceId>.json', () => {
    const root = mkdtempSync(join(tmpdir(), 'iris-manual-records-'));
    dirs.push(root);
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'old.json'), JSON.stringify(record('old', ['h9'])));
    writeFileSync(join(root, 'torn.json'), '{"sliceId": "to');
    const records = new ManualSliceRecords(root);
    expect(records.read('old')?.vms[0]?.host).toBe('h9');
    expect(records.list().map((r) => r.sliceId)).toEqual(['old']);
    expect(existsSync(join(root, 'old.json'))).toBe(false);
    expect(existsSync(join(root, 'old', 'slice.json'))).toBe(true);
  });
});
