import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@iris/core';
import { INVALID_ATTRIBUTE, parseAttributeList } from './attributes.js';
import { probeEnvironment } from './env-probe.js';
import { gpuVariant, parseNvidiaSmi } from './gpu.js';
import { systemProbeSources, type ProbeSources } from './probe-sources.js';
import { tpuShape } from './tpu.js';

/** A machine described as data. */
function machine(over: Partial<ProbeSources> & { dev?: Record<string, string[]> } = {}): ProbeSources {
  const dev = over.dev ?? {};
  return {
    env: {},
    hostname: () => 'box-1',
    cpuCount: () => 8,
    totalMemory: () => 16 * 2 ** 30,
    diskFree: () => 100 * 2 ** 30,
    listDir: (p) => dev[p] ?? [],
    exists: (p) => p in dev,
    readFile: () => undefined,
    run: async () => undefined,
    ipv4Addresses: () => ['10.1.2.3'],
    ...over,
  };
}

describe('probeEnvironment', () => {
  it('reports a plain CPU machine', async () => {
    const facts = await probeEnvironment({ workDir: '/w' }, machine());
    expect(facts).toEqual({
      hostname: 'box-1',
      address: '10.1.2.3',
      cpu: 8,
      memoryBytes: 16 * 2 ** 30,
      diskFreeBytes: 100 * 2 ** 30,
      accelerator: { type: 'cpu', variant: '', count: 0, devices: [] },
      attributes: {},
    });
  });

  it('prefers MemTotal from /proc/meminfo and IRIS_VM_ADDRESS', async () => {
    const facts = await probeEnvironment(
      { workDir: '/w' },
      machine({
        env: { IRIS_VM_ADDRESS: '34.1.1.1' },
        readFile: (p) => (p === '/proc/meminfo' ? 'MemTotal:       2048 kB\nMemFree: 1 kB\n' : undefined),
      }),
    );
    expect(facts.memoryBytes).toBe(2048 * 1024);
    expect(facts.address).toBe('34.1.1.1');
  });

  it('reads the disk free space of the work dir', async () => {
    const seen: string[] = [];
    await probeEnvironment({ workDir: '/data/iris' }, machine({ diskFree: (p) => (seen.push(p), 1) }));
    expect(seen).toEqual(['/data/iris']);
  });

  it('reads a TPU host from the bootstrap variables and /dev/accel*', async () => {
    const facts = await probeEnvironment(
      { workDir: '/w' },
      machine({
        env: { TPU_NAME: 'slice-a', TPU_WORKER_ID: '2', TPU_ACCELERATOR_TYPE: 'v4-32', TPU_TOPOLOGY: '2x2x4' },
        dev: { '/dev': ['accel1', 'accel0', 'accel3', 'accel2', 'null', 'accelx'] },
      }),
    );
    expect(facts.accelerator).toEqual({
      type: 'tpu',
      variant: 'v4-32',
      count: 4,
      devices: ['/dev/accel0', '/dev/accel1', '/dev/accel2', '/dev/accel3'],
    });
    expect(facts.attributes).toEqual({
      'tpu-name': 'slice-a',
      'tpu-worker-id': '2',
      'tpu-topology': '2x2x4',
      'tpu-vm-count': '4',
    });
  });

  it('counts VFIO groups as TPU chips and TPU_WORKER_HOSTNAMES as the slice size', async () => {
    const facts = await probeEnvironment(
      { workDir: '/w' },
      machine({
        env: { TPU_NAME: 's', TPU_TYPE: 'v5litepod-16', TPU_WORKER_HOSTNAMES: 'h0,h1,h2,h3' },
        dev: { '/dev': ['vfio'], '/dev/vfio': ['vfio', '1', '0', '10', '2'] },
      }),
    );
    expect(facts.accelerator.devices).toEqual(['/dev/vfio/0', '/dev/vfio/1', '/dev/vfio/2', '/dev/vfio/10']);
    expect(facts.accelerator.count).toBe(4);
    expect(facts.attributes['tpu-vm-count']).toBe('4');
  });

  it('falls back to the variant table when no device is visible', async () => {
    const facts = await probeEnvironment({ workDir: '/w' }, machine({ env: { TPU_ACCELERATOR_TYPE: 'v5litepod-8' } }));
    expect(facts.accelerator).toMatchObject({ type: 'tpu', count: 8 });
    expect(facts.attributes['tpu-vm-count']).toBe('1');
  });

  it('detects GPUs through nvidia-smi', async () => {
    const calls: string[][] = [];
    const facts = await probeEnvironment(
      { workDir: '/w' },
      machine({
        run: async (prog, args) => {
          calls.push([prog, ...args]);
          return 'NVIDIA A100-SXM4-80GB, 81920\nNVIDIA A100-SXM4-80GB, 81920\n';
        },
      }),
    );
    expect(calls[0]?.[0]).toBe('nvidia-smi');
    expect(calls[0]).toContain('--query-gpu=name,memory.total');
    expect(facts.accelerator).toEqual({ type: 'gpu', variant: 'a100', count: 2, devices: [] });
  });

  it('merges attributes: IRIS_WORKER_ATTRIBUTES, then --attribute flags win', async () => {
    const facts = await probeEnvironment(
      { workDir: '/w', attributeFlags: ['zone=b', 'rack = r7'] },
      machine({ env: { IRIS_WORKER_ATTRIBUTES: 'zone=a,pool=gold,', IRIS_PREEMPTIBLE: 'true' } }),
    );
    expect(facts.attributes).toEqual({ zone: 'b', pool: 'gold', rack: 'r7', preemptible: 'true' });
  });

  it('rejects a malformed attribute and names where it came from', async () => {
    const err = await probeEnvironment({ workDir: '/w', attributeFlags: ['=x'] }, machine()).catch((e: unknown) => e);
    expect(hasErrorCode(err, INVALID_ATTRIBUTE)).toBe(true);
    expect((err as Error).message).toContain('--attribute');
    expect(() => parseAttributeList('a=1,oops', 'IRIS_WORKER_ATTRIBUTES')).toThrow(/IRIS_WORKER_ATTRIBUTES.*oops/);
  });

  it('probes the real machine without failing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iris-probe-'));
    const facts = await probeEnvironment({ workDir: dir }, systemProbeSources({ PATH: '/nonexistent' }));
    expect(facts.cpu).toBeGreaterThan(0);
    expect(facts.memoryBytes).toBeGreaterThan(0);
    expect(facts.diskFreeBytes).toBeGreaterThan(0);
    expect(facts.hostname).not.toBe('');
  });
});

describe('tpuShape', () => {
  it.each([
    ['v4-8', 4, 1],
    ['v4-32', 4, 4],
    ['v5p-128', 4, 16],
    ['v5litepod-4', 4, 1],
    ['v5litepod-8', 8, 1],
    ['v5litepod-16', 4, 4],
    ['v6e-256', 4, 64],
    ['v3-8', 4, 1],
  ])('%s → %i chips per host, %i hosts', (variant, chips, hosts) => {
    expect(tpuShape(variant)).toEqual({ chipsPerHost: chips, vmCount: hosts });
  });

  it('rejects names it does not know', () => {
    expect(tpuShape('tpu')).toBeUndefined();
  });
});

describe('nvidia-smi parsing', () => {
  it('ignores empty output', () => {
    expect(parseNvidiaSmi('\n')).toBeUndefined();
  });
  it('names variants', () => {
    expect(gpuVariant('NVIDIA H100 80GB HBM3')).toBe('h100');
    expect(gpuVariant('Tesla T4')).toBe('t4');
  });
});
