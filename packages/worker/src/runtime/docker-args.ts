import { constants } from 'node:os';
import type { AttemptLaunch } from './types.js';

/** The label every container the worker starts carries, so a restarted worker can find them. */
export const MANAGED_LABEL = 'iris.managed=true';

export interface DockerRunPlan {
  /** Image tasks run in (`iris-task:latest` on bootstrapped VMs). */
  image: string;
  /** Container name; unique per attempt. */
  name: string;
  /** Labels the container so a restarted worker removes only its own leftovers. */
  workerId: string;
  /** The full task environment (job env plus IRIS_*). */
  env: Readonly<Record<string, string>>;
  /** Host ports of the job's named ports; published 1:1 so IRIS_PORT_<NAME> holds inside too. */
  ports: Readonly<Record<string, number>>;
  /** The host's accelerator and the device nodes a container needs for it. */
  accelerator: { type: string; devices: readonly string[] };
  /** `uid:gid` owning the mounted work dir, so files the task writes stay the worker's. */
  user?: string;
}

/** `/team/run/3` attempt 2 → `iris-team-run-3-a2` (docker names allow [a-zA-Z0-9_.-]). */
export function containerName(taskId: string, attempt: number): string {
  const base = taskId.replace(/[^a-zA-Z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '');
  return `iris-${base}-a${attempt}`.slice(0, 200);
}

/**
 * The argv after `docker` for one attempt, following the Python worker's flags: labels, resource
 * limits, the bundle mounted at /app, and for TPUs host networking, privileged mode and the TPU
 * device nodes.
 */
export function dockerRunArgs(launch: AttemptLaunch, plan: DockerRunPlan): string[] {
  const s = launch.start;
  const args = ['run', '--rm', '--name', plan.name];
  args.push(
    '--label',
    MANAGED_LABEL,
    '--label',
    `iris.job=${s.job}`,
    '--label',
    `iris.task_id=${s.task_id}`,
    '--label',
    `iris.attempt=${s.attempt}`,
    '--label',
    `iris.worker_id=${plan.workerId}`,
  );
  const wantsTpu = s.resources.accelerator?.type === 'tpu' && plan.accelerator.type === 'tpu';
  if (wantsTpu) {
    // libtpu needs the device nodes, locked memory and a large /dev/shm; multi-host JAX talks over
    // the host network between slice members.
    args.push('--network=host', '--privileged');
    for (const device of plan.accelerator.devices) args.push('--device', `${device}:${device}`);
    // VFIO groups are only usable together with the VFIO control node.
    if (plan.accelerator.devices.some((d) => d.startsWith('/dev/vfio/'))) args.push('--device', '/dev/vfio/vfio:/dev/vfio/vfio');
    args.push('--shm-size=100g', '--cap-add=SYS_RESOURCE', '--ulimit', 'memlock=68719476736:68719476736');
  } else {
    args.push('--security-opt', 'no-new-privileges', '--cap-drop', 'ALL', '--add-host=host.docker.internal:host-gateway');
    for (const port of Object.values(plan.ports)) args.push('-p', `${port}:${port}`);
  }
  if (s.resources.accelerator?.type === 'gpu' && s.resources.accelerator.count > 0) {
    args.push('--gpus', String(s.resources.accelerator.count));
  }
  if (s.resources.cpu > 0) args.push('--cpus', String(s.resources.cpu));
  if (s.resources.memory_bytes > 0) args.push('--memory', `${Math.ceil(s.resources.memory_bytes / 2 ** 20)}m`);
  if (plan.user) args.push('--user', plan.user);
  args.push('-v', `${launch.workDir}:/app`, '-w', '/app');
  const env: Record<string, string> = { ...plan.env, IRIS_WORKDIR: '/app' };
  if (launch.outputDir !== undefined) {
    args.push('-v', `${launch.outputDir}:/outputs`);
    env['IRIS_OUTPUT_DIR'] = '/outputs';
  }
  if (wantsTpu) {
    env['JAX_PLATFORMS'] ??= 'tpu,cpu';
    env['PJRT_DEVICE'] ??= 'TPU';
  }
  for (const [k, v] of Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) args.push('-e', `${k}=${v}`);
  args.push(plan.image, ...s.command);
  return args;
}

/**
 * The docker CLI exits with the container's code, and with 128+N when the container died of
 * signal N. 125–127 are the CLI's own failures (daemon, image, command) and stay exit codes.
 */
export function dockerExitStatus(code: number | null, signal: NodeJS.Signals | null): { code: number | null; signal: NodeJS.Signals | null } {
  if (code !== null && code > 128 && code < 128 + 65) {
    const name = (Object.entries(constants.signals) as Array<[NodeJS.Signals, number]>).find(([, n]) => n === code - 128)?.[0];
    if (name) return { code: null, signal: name };
  }
  return { code, signal };
}
