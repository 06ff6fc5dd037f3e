import type { AcceleratorType } from '@iris/core';
import { parseAttribute, parseAttributeList } from './attributes.js';
import { gpuVariant, parseNvidiaSmi } from './gpu.js';
import type { ProbeSources } from './probe-sources.js';
import { probeTpu } from './tpu.js';

/** What a worker tells the controller about its machine when it registers. */
export interface WorkerFacts {
  hostname: string;
  /** The address other machines reach this one at (IRIS_VM_ADDRESS wins: it ties the worker to its VM). */
  address: string;
  cpu: number;
  /** Bytes. */
  memoryBytes: number;
  /** Free bytes on the work dir's filesystem. */
  diskFreeBytes: number;
  accelerator: {
    type: AcceleratorType;
    /** `v5litepod-16`, `a100`, or '' for cpu. */
    variant: string;
    /** Chips (TPU) or GPUs on this host. */
    count: number;
    /** Device paths a container needs for the accelerator (`/dev/accel0`, `/dev/vfio/0`, …). */
    devices: string[];
  };
  /** Attributes the scheduler's constraints and gangs match on (`tpu-name`, `preemptible`, …). */
  attributes: Record<string, string>;
}

export interface ProbeOptions {
  /** The worker's directory; its filesystem's free space is the disk reported. */
  workDir: string;
  /** `k=v` strings from `--attribute` flags; they win over the environment. */
  attributeFlags?: string[];
}

export async function probeEnvironment(options: ProbeOptions, sources: ProbeSources): Promise<WorkerFacts> {
  const env = sources.env;
  const accelDevices = tpuDevicePaths(sources);
  const attributes: Record<string, string> = {};
  let accelerator: WorkerFacts['accelerator'] = { type: 'cpu', variant: '', count: 0, devices: [] };

  const tpu = probeTpu(env, accelDevices);
  if (tpu) {
    accelerator = { type: 'tpu', variant: tpu.variant ?? '', count: tpu.chipsPerHost, devices: accelDevices };
    if (tpu.name !== undefined) attributes['tpu-name'] = tpu.name;
    if (tpu.workerId !== undefined) attributes['tpu-worker-id'] = String(tpu.workerId);
    if (tpu.topology !== undefined) attributes['tpu-topology'] = tpu.topology;
    attributes['tpu-vm-count'] = String(tpu.vmCount);
  } else {
    const smi = await sources.run('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits']);
    const gpu = smi === undefined ? undefined : parseNvidiaSmi(smi);
    if (gpu) accelerator = { type: 'gpu', variant: gpuVariant(gpu.name), count: gpu.count, devices: [] };
  }

  const preemptible = env['IRIS_PREEMPTIBLE'];
  if (preemptible !== undefined) attributes['preemptible'] = preemptible === 'true' ? 'true' : 'false';
  const fromEnv = env['IRIS_WORKER_ATTRIBUTES'];
  if (fromEnv !== undefined) Object.assign(attributes, parseAttributeList(fromEnv, 'IRIS_WORKER_ATTRIBUTES'));
  for (const flag of options.attributeFlags ?? []) {
    const [k, v] = parseAttribute(flag, '--attribute');
    attributes[k] = v;
  }

  const hostname = sources.hostname();
  return {
    hostname,
    address: env['IRIS_VM_ADDRESS'] ?? sources.ipv4Addresses()[0] ?? '127.0.0.1',
    cpu: sources.cpuCount(),
    memoryBytes: memTotal(sources) ?? sources.totalMemory(),
    diskFreeBytes: sources.diskFree(options.workDir),
    accelerator,
    attributes,
  };
}

/** MemTotal from /proc/meminfo (kB), which is what a cgroup-unaware scheduler should see. */
function memTotal(sources: ProbeSources): number | undefined {
  const text = sources.readFile('/proc/meminfo');
  const m = text === undefined ? null : /^MemTotal:\s+(\d+)\s*kB/m.exec(text);
  return m?.[1] === undefined ? undefined : Number(m[1]) * 1024;
}

/**
 * TPU chips show up as /dev/accelN (v4 and later with the accel driver) or as VFIO groups
 * /dev/vfio/N (v5e/v6e with the vfio driver); one entry per chip either way.
 */
function tpuDevicePaths(sources: ProbeSources): string[] {
  const accel = sources
    .listDir('/dev')
    .filter((d) => /^accel\d+$/.test(d))
    .map((d) => `/dev/${d}`);
  if (accel.length > 0) return accel.sort(byNumber);
  return sources
    .listDir('/dev/vfio')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => `/dev/vfio/${d}`)
    .sort(byNumber);
}

function byNumber(a: string, b: string): number {
  return Number(/\d+$/.exec(a)?.[0]) - Number(/\d+$/.exec(b)?.[0]);
}
