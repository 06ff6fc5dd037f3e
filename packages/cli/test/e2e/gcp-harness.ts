import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { IrisClient } from '@iris/core/api';
import { GcpEmulator } from '../../../provider-gcp/test/emulator/gcp-emulator.js';
import { TpuVmPlayer } from '../../../provider-gcp/test/emulator/tpu-vm-player.js';
import { IRIS_BIN, runIris } from '../run-iris.js';
import { processesMentioning } from './support.js';

// What the end-to-end tests of gcp clusters share: the emulator and its TPU VM player, pieces of
// their cluster files, the controller a local controller provider left in its state dir, cleanup.

export const PROJECT = 'iris-e2e';
export const WORKER_IMAGE = `europe-docker.pkg.dev/${PROJECT}/iris/iris-worker:e2e`;

/** The GCP emulator, started; TPU operations finish on their first poll (the platform's 5 s poll interval never comes into play). */
export async function startGcpEmulator(): Promise<{ emulator: GcpEmulator; endpoint: string }> {
  const emulator = new GcpEmulator();
  const endpoint = await emulator.start();
  emulator.tpu.operationPolls = 0;
  return { emulator, endpoint };
}

/** A player that runs each emulated TPU host's startup script here, with the built `iris` as the worker. */
export async function attachTpuPlayer(emulator: GcpEmulator, rootDir: string): Promise<TpuVmPlayer> {
  const player = new TpuVmPlayer({ rootDir, entrypoint: [process.execPath, IRIS_BIN] });
  await player.attach(emulator.tpu);
  return player;
}

/** A group's gcp provider block (flow style) on the emulator; `extra` is more `key: value` pairs. */
export function gcpProvider(endpoint: string, zones: readonly string[], extra?: string): string {
  return `{ type: gcp, project_id: ${PROJECT}, zones: [${zones.join(', ')}], api_endpoint: "${endpoint}"${extra === undefined ? '' : `, ${extra}`} }`;
}

/** The body of a TPU scale group (after `  <name>:`), each host with 1 cpu, 1GB of RAM and 4 TPU chips. */
export function tpuGroup(o: {
  provider: string;
  variant: string;
  hosts: number;
  disk?: boolean;
  preemptible?: boolean;
  minSlices?: number;
  maxSlices: number;
  priority?: number;
}): string {
  const lines = [
    `provider: ${o.provider}`,
    'accelerator_type: tpu',
    `accelerator_variant: ${o.variant}`,
    `slice_size: ${o.hosts}`,
    `resources: { cpu: 1, ram: 1GB, ${o.disk ? 'disk: 1GB, ' : ''}tpu_count: 4 }`,
    ...(o.preemptible ? ['preemptible: true'] : []),
    ...(o.minSlices === undefined ? [] : [`min_slices: ${o.minSlices}`]),
    `max_slices: ${o.maxSlices}`,
    ...(o.priority === undefined ? [] : [`priority: ${o.priority}`]),
  ];
  return lines.map((l) => `\n    ${l}`).join('');
}

/**
 * A cluster file whose controller runs here (local provider) with its state in `stateDir`, and
 * `groups` (the text under `scale_groups:`). With `startupGrace`, an autoscaler that evaluates every
 * 500 ms and scales up at once.
 */
export function localControllerCluster(o: {
  name: string;
  port: number;
  stateDir: string;
  workerTimeout?: string;
  cacheDir?: string;
  startupGrace?: string;
  groups: string;
}): string {
  const autoscaler =
    o.startupGrace === undefined
      ? ''
      : `  autoscaler:
    evaluation_interval: 500ms
    requesting_timeout: 60s
    scale_up_delay: 0s
    scale_down_delay: 10m
    startup_grace: ${o.startupGrace}
    heartbeat_grace: 20s
`;
  return `name: ${o.name}
controller:
  provider: { type: local, port: ${o.port} }
  state_dir: ${o.stateDir}
${o.workerTimeout === undefined ? '' : `  worker_timeout: ${o.workerTimeout}\n`}defaults:
  bootstrap: { docker_image: "${WORKER_IMAGE}"${o.cacheDir === undefined ? '' : `, cache_dir: ${o.cacheDir}`} }
${autoscaler}scale_groups:
${o.groups}`;
}

/** A client of the controller a local controller provider started in `stateDir`. */
export function controllerClient(stateDir: string): IrisClient {
  const { url } = JSON.parse(readFileSync(join(stateDir, 'controller.json'), 'utf8')) as { url: string };
  return new IrisClient({ baseUrl: url, token: readFileSync(join(stateDir, 'token'), 'utf8').trim() });
}

/** The pid of the controller a local controller provider started in `stateDir`. */
export function controllerPid(stateDir: string): number {
  return (JSON.parse(readFileSync(join(stateDir, 'controller.json'), 'utf8')) as { pid: number }).pid;
}

/** Alive and not a zombie (a zombie holds no port). */
export function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** `iris status -c <file> --json` run in `dir` (HOME too), which must succeed. */
export async function statusJson<T>(file: string, dir: string): Promise<T> {
  const run = await runIris(['status', '-c', file, '--json'], { env: { HOME: dir }, cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** SIGKILLs every process left whose command line mentions `dir` (after a failure: `iris stop` did not run or did not finish). */
export function killProcessesMentioning(dir: string): void {
  for (const pid of processesMentioning(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** The log of each emulated TPU node's first host, for a wait's failure message. */
export function firstHostLogs(emulator: GcpEmulator, player: TpuVmPlayer): string {
  return [...emulator.tpu.nodes.keys()].map((n) => player.logs(`${n.replace(/.*\//, '')}-w-0`)).join('\n');
}

/**
 * After the test: `iris stop` unless the test got that far, then each of `close` in order (players,
 * emulator…), the processes left killed and `dir` removed.
 */
export async function cleanUpCluster(o: { file: string; dir: string; cwd?: string; stopped: boolean; close: Array<() => Promise<void>> }): Promise<void> {
  if (!o.stopped) await runIris(['stop', '-c', o.file], { env: { HOME: o.dir }, cwd: o.cwd ?? o.dir });
  for (const close of o.close) await close();
  killProcessesMentioning(o.dir);
  rmSync(o.dir, { recursive: true, force: true });
}
