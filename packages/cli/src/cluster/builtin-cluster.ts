import { cpus, homedir, totalmem } from 'node:os';
import { join } from 'node:path';

export const BUILTIN_CLUSTER_NAME = 'local';

/** Where `iris start` with no file keeps the built-in cluster's state (and its cluster file). */
export function builtinStateDir(env: Readonly<Record<string, string | undefined>>): string {
  return join(env['HOME'] ?? homedir(), '.iris', BUILTIN_CLUSTER_NAME);
}

export interface MachineSize {
  cpus: number;
  memoryBytes: number;
}

export function thisMachine(): MachineSize {
  return { cpus: cpus().length, memoryBytes: totalmem() };
}

/**
 * The cluster `iris start` runs when given no file: a local controller and one CPU group of up to
 * one worker per core (at most 8), each advertising one CPU and an equal share of 80% of memory,
 * with delays short enough that a job starts in a second and idle workers leave after two minutes.
 */
export function builtinClusterYaml(stateDir: string, machine: MachineSize = thisMachine()): string {
  const maxSlices = Math.max(1, Math.min(8, machine.cpus));
  const ramMiB = Math.max(256, Math.floor((machine.memoryBytes * 0.8) / maxSlices / 2 ** 20));
  return `# yaml-language-server: $schema=https://iris.invalid/iris.schema.json
# The built-in local cluster of \`iris start\` (generated; sized to this machine:
# ${machine.cpus} CPUs, ${Math.round(machine.memoryBytes / 2 ** 30)} GiB).
name: ${BUILTIN_CLUSTER_NAME}
controller:
  provider: { type: local, port: 0 }
  state_dir: ${JSON.stringify(stateDir)}
  worker_timeout: 10s
defaults:
  autoscaler:
    evaluation_interval: 1s
    requesting_timeout: 30s
    scale_up_delay: 1s
    scale_down_delay: 2m
    startup_grace: 2m
    heartbeat_grace: 30s
scale_groups:
  cpu:
    provider: { type: local }
    accelerator_type: cpu
    accelerator_variant: cpu
    slice_size: 1
    resources: { cpu: 1, ram: ${ramMiB}MiB, disk: 10GB }
    min_slices: 0
    max_slices: ${maxSlices}
`;
}
