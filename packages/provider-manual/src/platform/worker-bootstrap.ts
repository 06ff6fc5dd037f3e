import { isProviderError } from '@iris/core';
import {
  daemonStartScript,
  daemonStatusScript,
  daemonStopScript,
  parseBootstrapOutput,
  phaseOfLine,
  workerDaemonSpec,
  type DaemonSpec,
} from '@iris/core/bootstrap';
import type { ManualHost } from '../hosts.js';
import { BootstrapStepError } from './bootstrap-step-error.js';
import { absoluteOnHost, targetOf, type ManualContext } from './manual-context.js';
import { lines } from './program-shipper.js';
import type { ManualVmRecord } from './slice-records.js';

export interface WorkerLaunch {
  controllerAddress: string;
  env: Readonly<Record<string, string>>;
  attributes: Readonly<Record<string, string>>;
  cpu: number;
  memory: number;
}

/** Runs `fn`, turning an SSH failure into a failure of `step` so the report names the step. */
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof BootstrapStepError || !isProviderError(err)) throw err;
    throw new BootstrapStepError(name, err.message, [], { cause: err });
  }
}

/** The host's worker root (`worker_dir` with `~` resolved on that host). */
export async function workerRoot(ctx: ManualContext, host: ManualHost): Promise<string> {
  const res = await ctx.pool.runScript(targetOf(host), 'printf %s "$HOME"');
  return absoluteOnHost(ctx.config.worker_dir, res.stdout.trim());
}

function spec(ctx: ManualContext, vm: ManualVmRecord, workerDir: string, programDir: string, entry: string, launch?: WorkerLaunch): DaemonSpec {
  return workerDaemonSpec({
    dir: workerDir,
    workerId: vm.vmId,
    programDir,
    entry,
    controllerAddress: launch?.controllerAddress ?? '',
    attributes: launch?.attributes ?? {},
    ...(launch ? { cpu: launch.cpu, memory: launch.memory } : {}),
    env: launch?.env ?? {},
    settleSeconds: ctx.settleSeconds,
    stopGraceSeconds: ctx.stopGraceSeconds,
  });
}

/**
 * Bootstraps one worker on one host: connect, ship the program if the host lacks it, run the start
 * script (idempotent, so a retry or a restarted controller never starts a second worker).
 */
export async function bootstrapWorker(
  ctx: ManualContext,
  host: ManualHost,
  vm: ManualVmRecord,
  launch: WorkerLaunch,
  onPhase: (phase: string) => void,
): Promise<void> {
  const target = targetOf(host);
  onPhase('connect');
  const root = await step('connect', () => workerRoot(ctx, host));
  vm.workerDir = `${root}/${vm.vmId}`;
  onPhase('program');
  const bundle = await step('program', () => ctx.shipper.ensure(target, `${root}/programs`));
  // The worker registers with the host's address (IRIS_VM_ADDRESS) and says which host it is on, so
  // the controller, `iris status` and constraints can tell the lab machines apart.
  const onHost: WorkerLaunch = {
    ...launch,
    env: { ...launch.env, IRIS_VM_ADDRESS: host.host },
    attributes: { ...launch.attributes, 'iris-host': host.entry },
  };
  const script = daemonStartScript(spec(ctx, vm, vm.workerDir, `${root}/programs/${bundle.hash}`, bundle.entry, onHost));
  const res = await step('start', () =>
    ctx.pool.runScript(target, script, {
      timeoutMs: ctx.deps.timeouts.boot,
      onLine: (line) => {
        const phase = phaseOfLine(line);
        if (phase) onPhase(phase);
      },
    }),
  );
  if (res.code !== 0) {
    const parsed = parseBootstrapOutput(res.stdout);
    throw new BootstrapStepError(parsed.lastPhase ?? 'start', parsed.errors[0] ?? `the start script exited ${res.code}`, lines(res.stdout, res.stderr));
  }
}

/** `running` or `stopped` as the host's pid file says; throws when the host does not answer. */
export async function workerStatus(ctx: ManualContext, host: ManualHost, vm: ManualVmRecord): Promise<'running' | 'stopped'> {
  if (!vm.workerDir) return 'stopped';
  const res = await ctx.pool.runScript(targetOf(host), daemonStatusScript({ role: 'worker', dir: vm.workerDir, marker: vm.vmId, programDir: '/' }), {
    timeoutMs: ctx.deps.ssh.connect_timeout,
    retries: 0, // asked on every autoscaler pass: an unreachable host must not hold the pass up
  });
  return parseBootstrapOutput(res.stdout).status?.startsWith('running') ? 'running' : 'stopped';
}

/**
 * Stops the worker (SIGTERM, then SIGKILL after the grace) and, unless the group keeps logs,
 * removes its folder `<worker_dir>/<vm id>/` (logs, pid, task dirs and the job files copied
 * there). Idempotent. One attempt, no retries: the caller bounds it by a per-host deadline.
 */
export async function stopWorker(
  ctx: ManualContext,
  host: ManualHost,
  vm: ManualVmRecord,
  timeoutMs: number,
  onAnswer: () => void = () => undefined,
): Promise<void> {
  const dir = vm.workerDir ?? `${await workerRoot(ctx, host)}/${vm.vmId}`;
  // Only ever a folder named after this VM: a corrupt record must not make us remove anything else.
  const removeDir = !ctx.config.keep_logs && dir.endsWith(`/${vm.vmId}`) && vm.vmId !== '';
  const script = daemonStopScript(spec(ctx, vm, dir, '/', '')) + (removeDir ? 'rm -rf -- "$DIR" || fail "cannot remove $DIR"\n' : '');
  const res = await ctx.pool.runScript(targetOf(host), script, { timeoutMs, retries: 0, onLine: () => onAnswer() });
  if (res.code !== 0) {
    const parsed = parseBootstrapOutput(res.stdout);
    throw new BootstrapStepError('stop', parsed.errors[0] ?? `the stop script exited ${res.code}`, lines(res.stdout, res.stderr));
  }
}
