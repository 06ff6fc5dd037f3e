import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IrisError, formatSize, hasErrorCode, type PlatformHostReport, type Tunnel } from '@iris/core';
import { API_ERROR_CODES, IrisApiError, IrisClient, type WorkerView } from '@iris/core/api';
import type { AutoscalerAction, AutoscalerExplanation, AutoscalerStatus } from '@iris/controller';
import { createPlatforms } from '@iris/controller';
import type { CliIo } from '../context.js';
import { controllerHostOf, resolveClusterTarget, type ClusterTarget } from '../cluster/cluster-target.js';
import { formatTable } from '../output/table.js';
import { formatElapsed } from '../output/duration.js';
import { connect, namesController, type ConnectionOptions } from '../connection.js';
import { CliExit, EXIT_FAILURE } from '../exit-codes.js';

export const CONTROLLER_NOT_RUNNING = 'IRIS_CONTROLLER_NOT_RUNNING';

/** Progress for people on a terminal; plain lines in a pipe or a log. */
function progress(io: CliIo, text: string): void {
  io.err(`${text}\n`);
}

function readToken(stateDir: string): string | undefined {
  const file = join(stateDir, 'token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** A client for the target cluster's controller, reached directly or through the provider's tunnel. */
export interface ClusterConnection {
  client: IrisClient;
  /** The URL this process reaches the controller at (a tunnel's local end when tunnelled). */
  url: string;
  /** The address the controller serves at, as its host sees it. */
  address: string;
  /** The API token (never printed). */
  token?: string;
  /** Set when the controller is reached through `Platform.tunnel`. */
  tunnel?: Tunnel;
  /** Closes the tunnel, if any. Safe to skip: a tunnel never keeps the CLI alive on its own. */
  close(): Promise<void>;
}

async function answersHealth(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

/**
 * Whether to reach the controller through the provider's tunnel. A manual controller is always
 * tunnelled: SSH is the one door a lab machine is known to open, and the bearer token then crosses
 * the lab network encrypted instead of in plain HTTP. A local controller is on this machine. Any
 * other provider is tried directly first and tunnelled only when its address does not answer.
 */
async function needsTunnel(providerType: string, address: string): Promise<boolean> {
  // A GCE controller's address is a VPC one: its platform tunnels (SSH, IAP) or, with
  // `access: direct`, hands the address back unchanged.
  if (providerType === 'manual' || providerType === 'gcp') return true;
  if (providerType === 'local') return false;
  return !(await answersHealth(address));
}

/** A client for the target cluster's running controller, or a clear error when it is not running. */
export async function clusterClient(target: ClusterTarget): Promise<ClusterConnection> {
  const { platform, host } = await controllerHostOf(target);
  try {
    const status = await host.status();
    if (!status.running || !status.address) {
      throw new IrisError(
        CONTROLLER_NOT_RUNNING,
        `the controller of cluster "${target.cluster.config.name}" is not running${status.detail ? ` (${status.detail})` : ''}; start it with: iris start${target.clusterFile ? ` -c ${target.clusterFile}` : ''}`,
      );
    }
    const token = (await host.readToken?.()) ?? readToken(target.cluster.config.controller.state_dir);
    const address = status.address;
    // The tunnel has its own connection, so closing the platform below leaves it open.
    const tunnel = (await needsTunnel(platform.type, address)) ? await platform.tunnel(address) : undefined;
    const url = tunnel?.localAddress ?? address;
    return {
      client: new IrisClient({ baseUrl: url, ...(token ? { token } : {}) }),
      url,
      address,
      ...(token ? { token } : {}),
      ...(tunnel ? { tunnel } : {}),
      close: async () => tunnel?.close(),
    };
  } finally {
    await platform.close?.();
  }
}

function describeAction(a: AutoscalerAction): string {
  return `${new Date(a.atMs).toISOString()}  ${a.group}  ${a.type}${a.sliceId ? ` ${a.sliceId}` : ''}: ${a.reason}`;
}

export async function startCluster(options: { file?: string; detach: boolean }, io: CliIo): Promise<void> {
  const target = await resolveClusterTarget(options.file, io);
  const { config } = target.cluster;
  const { platform: controllerPlatform, host } = await controllerHostOf(target);
  progress(io, `starting the controller of cluster "${config.name}" (${config.controller.provider.type} provider)…`);
  const log = localControllerLog(config.controller.state_dir);
  // The platform holds SSH connections for a manual controller: release them so the CLI can exit.
  const status = await host.start().finally(() => controllerPlatform.close?.());
  if (!status.running || !status.address) {
    throw new IrisError(
      CONTROLLER_NOT_RUNNING,
      `the controller of cluster "${config.name}" did not come up${status.location ? ` (${status.location})` : ''}${status.detail ? `: ${status.detail}` : ''}; see its log, then run iris start${options.file ? ` -c ${options.file}` : ''} again`,
    );
  }
  // "Up" means the whole cluster answers: the API and the autoscaler behind it, which only comes
  // after the controller has adopted what its providers hold (retried while a cloud API fails).
  progress(io, `controller answers at ${status.address}; waiting for its autoscaler…`);
  await waitForAutoscaler(target, io, log);
  io.out(`cluster "${config.name}": controller at ${status.address}\n`);
  io.out(
    `  groups: ${Object.values(config.scale_groups)
      .map((g) => `${g.name} (${g.provider.type}, ${g.min_slices}..${g.max_slices} slices)`)
      .join(', ')}\n`,
  );
  io.out(`  state:  ${config.controller.state_dir}\n`);
  const fileFlag = options.file ? ` -c ${options.file}` : '';
  io.out(`next: iris job run${fileFlag} -- echo hello   ·   iris status${fileFlag}   ·   iris stop${fileFlag}\n`);
  if (options.detach) return;

  // Foreground: follow the autoscaler's decisions until Ctrl-C, then stop the whole cluster.
  progress(io, 'following autoscaler actions; Ctrl-C stops the cluster (use --detach to leave it running)');
  const connection = await clusterClient(target);
  const { client } = connection;
  let lastSeq = -1;
  let stopping = false;
  const done = new Promise<void>((resolve) => {
    const onSignal = (): void => {
      stopping = true;
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  while (!stopping) {
    try {
      const s = await client.autoscalerStatus<AutoscalerStatus>();
      for (const a of [...s.recentActions].sort((x, y) => x.seq - y.seq)) {
        if (a.seq > lastSeq) {
          io.out(`${describeAction(a)}\n`);
          lastSeq = a.seq;
        }
      }
    } catch (err) {
      progress(io, `controller not answering: ${(err as Error).message}`);
    }
    await Promise.race([done, new Promise((r) => setTimeout(r, 1_000))]);
  }
  await connection.close();
  await stopCluster({ ...(options.file ? { file: options.file } : {}) }, io);
}

/** Longest wait for the autoscaler routes after the API answers (a cloud's listing can be slow). */
const AUTOSCALER_READY_MIN_MS = 120_000;
const AUTOSCALER_POLL_MS = 500;

/**
 * Polls the autoscaler route until it answers. The controller serves its API before it has adopted
 * the providers' slices; only then does the autoscaler (and `iris stop`'s terminate route) exist.
 */
async function waitForAutoscaler(target: ClusterTarget, io: CliIo, log: ControllerLog): Promise<void> {
  const { config } = target.cluster;
  const waitMs = Math.max(AUTOSCALER_READY_MIN_MS, config.defaults.timeouts.boot);
  const deadline = Date.now() + waitMs;
  let last = '';
  let goneInARow = 0;
  for (;;) {
    try {
      const connection = await clusterClient(target);
      try {
        await connection.client.autoscalerStatus();
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      const message = (err as Error).message;
      // It answered, then went (twice in a row, no process, no address: not a slow /health under
      // load): it failed while adopting its slices, and waiting changes nothing.
      goneInARow = hasErrorCode(err, CONTROLLER_NOT_RUNNING) && (await controllerGone(target)) ? goneInARow + 1 : 0;
      if (goneInARow >= 2) {
        const said = log.lastWords();
        const where = log.where();
        throw new IrisError(
          CONTROLLER_NOT_RUNNING,
          `the controller of cluster "${config.name}" exited while adopting its slices${said ? `: ${said}` : ''}${where ? `; see ${where}` : ''}`,
        );
      }
      if (message !== last) progress(io, `  not yet: ${message}`);
      last = message;
    }
    if (Date.now() > deadline) {
      throw new IrisError(
        'IRIS_AUTOSCALER_NOT_READY',
        `the controller of cluster "${config.name}" serves its API but its autoscaler did not start within ${Math.round(waitMs / 1000)}s (last answer: ${last}); it may still be adopting slices from a slow provider: check iris status, or the controller's log`,
      );
    }
    await new Promise((r) => setTimeout(r, AUTOSCALER_POLL_MS));
  }
}

/** The controller's host says it is not there at all (no process or VM answering for it). */
async function controllerGone(target: ClusterTarget): Promise<boolean> {
  const { platform, host } = await controllerHostOf(target);
  try {
    const status = await host.status();
    return !status.running && status.address === undefined;
  } catch {
    return false;
  } finally {
    await platform.close?.();
  }
}

interface ControllerLog {
  /** The log's path when it is on this machine. */
  where(): string | undefined;
  /** The error line the controller printed last since the start (`iris: …`). */
  lastWords(): string | undefined;
}

/** The log a controller on this machine writes (`<state_dir>/controller.log`), from its current end. */
function localControllerLog(stateDir: string): ControllerLog {
  const path = join(stateDir, 'controller.log');
  let from = 0;
  try {
    from = statSync(path).size;
  } catch {
    /* no log yet */
  }
  return {
    where: () => (existsSync(path) ? path : undefined),
    lastWords: () => {
      try {
        const lines = readFileSync(path).subarray(from).toString('utf8').trimEnd().split('\n');
        return [...lines]
          .reverse()
          .find((l) => l.startsWith('iris: ') || l.startsWith('iris controller: '))
          ?.slice(0, 2_000);
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Stops the controller, then terminates every slice of every group the cluster owns. Says what was
 * terminated and what remains (with the error and how to finish); fails (exit 1) only when
 * something remains.
 */
export async function stopCluster(options: { file?: string }, io: CliIo): Promise<void> {
  const target = await resolveClusterTarget(options.file, io);
  const { config, registry } = target.cluster;
  const fileFlag = options.file ? ` -c ${options.file}` : '';
  const remains: string[] = [];
  // A running controller removes what it owns first, with its own platforms: only it can reach
  // state that lives beside it (a controller on a lab host keeps the manual slices' records there).
  let byController = 0;
  try {
    const connection = await clusterClient(target);
    try {
      progress(io, `asking the controller of cluster "${config.name}" to terminate every slice…`);
      const answer = await connection.client.autoscalerTerminateAll();
      byController = answer.slices + answer.orphans;
    } finally {
      await connection.close();
    }
  } catch (err) {
    // Not running, or without an autoscaler: the sweep below still removes every slice we can list.
    if (!hasErrorCode(err, CONTROLLER_NOT_RUNNING))
      progress(io, `the controller could not terminate the slices (${(err as Error).message}); sweeping from here`);
  }
  const { platform: controllerPlatform, host } = await controllerHostOf(target);
  progress(io, `stopping the controller of cluster "${config.name}"…`);
  // The controller goes before the sweep, so it cannot create a slice while we remove them.
  let controllerLine: string;
  try {
    const before = await host.status();
    await host.stop();
    controllerLine = before.location || before.running ? `stopped${before.location ? ` (${before.location})` : ''}` : 'was not running';
  } catch (err) {
    controllerLine = 'NOT stopped';
    remains.push(`controller: ${(err as Error).message}`);
  } finally {
    await controllerPlatform.close?.();
  }
  const platforms = await createPlatforms(config, registry, target.deps);
  const removed: string[] = [];
  await Promise.all(
    Object.values(config.scale_groups).map(async (group) => {
      const manager = platforms.byGroup.get(group.name)!.vmManager(group);
      let slices;
      try {
        slices = await manager.listSlices();
      } catch (err) {
        remains.push(`group ${group.name}: its slices could not be listed, so any it has are still there: ${(err as Error).message}`);
        return;
      }
      if (slices.length > 0) progress(io, `terminating ${slices.length} slice(s) of group ${group.name}…`);
      await Promise.all(
        slices.map(async (slice) => {
          try {
            await manager.terminateSlice(slice.sliceId);
            removed.push(`${group.name}/${slice.sliceId}`);
          } catch (err) {
            remains.push(`${group.name}/${slice.sliceId}${slice.zone ? ` (${slice.zone})` : ''}: ${(err as Error).message}`);
          }
        }),
      );
    }),
  );
  await Promise.all(platforms.all.map((p) => p.close?.()));
  const terminated = [
    ...(byController > 0 ? [`${byController} slice(s) or VM(s) by the controller`] : []),
    ...(removed.length > 0 ? [`${removed.length} slice(s) swept: ${removed.sort().join(', ')}`] : []),
  ];
  io.out(`cluster "${config.name}" ${remains.length === 0 ? 'stopped' : 'NOT fully stopped'}\n`);
  io.out(`  controller: ${controllerLine}\n`);
  io.out(`  terminated: ${terminated.length > 0 ? terminated.join('; ') : 'nothing (no slice was running)'}\n`);
  if (remains.length === 0) return;
  io.out(`  remains (still running, and billed where the provider charges):\n`);
  for (const r of remains) io.out(`    ${r}\n`);
  io.out(`  to finish: iris stop${fileFlag} again once the cause is fixed, or remove them with the command each line gives\n`);
  throw new CliExit(EXIT_FAILURE);
}

type HostReportView = PlatformHostReport & { provider: string };

interface StatusReport {
  cluster: string;
  controller: { running: boolean; address?: string; workers?: number; jobs?: number; via?: string };
  /** Why the report has no groups: the controller runs no autoscaler (started without -c). */
  note?: string;
  /** Hosts a fixed-host provider (manual) failed to bootstrap, stop or reach. */
  hosts?: HostReportView[];
  autoscaler?: AutoscalerStatus;
  workers?: WorkerView[];
  jobs?: Record<string, number>;
  /** What the live slices cost per hour, for groups whose provider can price them. */
  cost?: ClusterCost;
}

export interface StatusOptions {
  file?: string;
  json: boolean;
  /** --controller / --state-dir / --token-file: a controller named directly, not through a file. */
  connection?: ConnectionOptions;
}

export async function clusterStatus(options: StatusOptions, io: CliIo): Promise<void> {
  let report: StatusReport;
  if (options.connection && namesController(options.connection, io)) {
    const client = await connect(options.connection, io);
    report = { cluster: client.url, controller: { running: false } };
    try {
      await fillStatus(report, { client, url: client.url, address: client.url, close: async () => undefined }, client.url);
    } catch (err) {
      if (!hasErrorCode(err, API_ERROR_CODES.unreachable)) throw err;
      report.controller = { running: false, address: client.url };
    }
  } else {
    const target = await resolveClusterTarget(options.file, io);
    const { platform: controllerPlatform, host } = await controllerHostOf(target);
    const status = await host.status().finally(() => controllerPlatform.close?.());
    report = { cluster: target.cluster.config.name, controller: { running: status.running } };
    if (status.running && status.address) {
      const connection = await clusterClient(target);
      try {
        await fillStatus(report, connection, status.address, target.clusterFile);
      } finally {
        await connection.close();
      }
    }
  }
  printStatus(report, options.json, io);
  // Scripts (and `iris start`'s callers) tell a stopped cluster by the exit code.
  if (!report.controller.running) throw new CliExit(EXIT_FAILURE);
}

async function fillStatus(report: StatusReport, connection: ClusterConnection, address: string, clusterFile?: string): Promise<void> {
  const { client } = connection;
  const health = await client.health();
  report.controller = { running: true, address, workers: health.workers, jobs: health.jobs };
  if (connection.tunnel) report.controller.via = `ssh tunnel ${connection.url}`;
  try {
    report.autoscaler = await client.autoscalerStatus<AutoscalerStatus>();
  } catch (err) {
    if (!(err instanceof IrisApiError && err.status === 404)) throw err;
    // A controller started without a cluster file still knows its workers and jobs: show those.
    report.note = clusterFile ? err.message.replace(/-c FILE/g, `-c ${clusterFile}`) : err.message;
  }
  const workers: WorkerView[] = [];
  let wcursor: string | undefined;
  do {
    const page = await client.listWorkers({ limit: 1000, ...(wcursor ? { cursor: wcursor } : {}) });
    workers.push(...page.items);
    wcursor = page.next_cursor;
  } while (wcursor);
  report.workers = workers;
  const jobs: Record<string, number> = {};
  let cursor: string | undefined;
  do {
    const page = await client.listJobs({ limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const j of page.items) jobs[j.state] = (jobs[j.state] ?? 0) + 1;
    cursor = page.next_cursor;
  } while (cursor);
  report.jobs = jobs;
  report.hosts = await hostReports(connection);
  if (report.autoscaler) {
    const cost = await clusterCost(connection, report.autoscaler);
    if (cost) report.cost = cost;
  }
}

/** GET /api/v1/hosts: failing hosts of fixed-host providers. An older controller without the route shows none. */
async function hostReports(connection: ClusterConnection): Promise<HostReportView[]> {
  try {
    return (await connection.client.call('listHosts')).items as unknown as HostReportView[];
  } catch {
    return [];
  }
}

function printStatus(report: StatusReport, json: boolean, io: CliIo): void {
  if (json) {
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  io.out(
    `cluster ${report.cluster}: controller ${report.controller.running ? `running at ${report.controller.address}${report.controller.via ? ` (via ${report.controller.via})` : ''}` : 'not running'}\n`,
  );
  if (!report.controller.running) return;
  const now = Date.now();
  const jobs =
    Object.entries(report.jobs ?? {})
      .map(([s, n]) => `${n} ${s}`)
      .join(', ') || 'none';
  io.out(`workers: ${report.controller.workers}   jobs: ${jobs}\n`);
  if (report.note) io.out(`\nno scale groups: ${report.note}\n`);
  const workerOfVm = new Map((report.workers ?? []).map((w) => [w.worker_id, w]));
  if (report.autoscaler) {
    io.out('\ngroups:\n');
    io.out(
      formatTable(
        ['GROUP', 'PROVIDER', 'STATE', 'READY', 'BOOTING', 'REQUESTING', 'MIN..MAX', 'DEMAND', 'WHY'],
        report.autoscaler.groups.map((g) => [
          g.name,
          g.providerType,
          g.availability,
          String(g.counts.ready),
          String(g.counts.booting + g.counts.initializing),
          String(g.counts.requesting),
          `${g.minSlices}..${g.maxSlices}`,
          String(g.demand),
          g.availabilityDetail || g.lastDecision,
        ]),
      ),
    );
    const slices = report.autoscaler.groups.flatMap((g) => g.slices.map((sl) => ({ group: g.name, slice: sl })));
    io.out('\nslices:\n');
    if (slices.length === 0) io.out('  none\n');
    else
      io.out(
        formatTable(
          ['GROUP', 'SLICE', 'STATE', 'AGE', 'WORKERS'],
          slices.map(({ group, slice }) => [
            group,
            slice.sliceId ?? slice.requestId,
            slice.state,
            formatElapsed(Math.max(0, now - slice.createdAtMs)),
            slice.vms.map((vm) => (workerOfVm.has(vm.vmId) ? vm.vmId : `${vm.vmId} (not registered)`)).join(', ') || '-',
          ]),
        ),
      );
  }
  const workers = report.workers ?? [];
  io.out('\nworkers:\n');
  if (workers.length === 0) io.out('  none\n');
  else
    io.out(
      formatTable(
        ['WORKER', 'ADDRESS', 'CPU', 'MEMORY', 'ACCELERATORS', 'TASKS', 'LAST SEEN'],
        workers.map((w) => [
          w.worker_id,
          w.address,
          `${w.committed.cpu}/${w.resources.cpu}`,
          `${formatSize(w.committed.memory_bytes)}/${formatSize(w.resources.memory_bytes)}`,
          w.accelerators.map((a) => `${a.count}×${a.type}${a.variant ? `:${a.variant}` : ''}`).join(', ') || '-',
          String(w.running_tasks),
          `${formatElapsed(Math.max(0, now - w.last_seen_ms))} ago`,
        ]),
      ),
    );
  const unmet = report.autoscaler?.lastRouting?.unmet ?? [];
  if (unmet.length > 0) {
    io.out('\nunmet demand:\n');
    for (const u of unmet) io.out(`  ${u.count} × ${u.reason.message}\n`);
  }
  const hosts = report.hosts ?? [];
  if (hosts.length > 0) {
    io.out('\nfailing hosts:\n');
    for (const h of hosts) {
      const retry = Math.max(0, h.retryAfterMs - Date.now());
      io.out(
        `  ${h.host} (${h.provider}${h.group ? `, group ${h.group}` : ''}): ${h.reason ? `${h.reason}: ` : ''}${h.step} failed ${h.failures}×: ${h.error}${retry >= 1000 ? ` — next try in ${formatElapsed(retry)}` : ''}\n`,
      );
      for (const line of h.lastLines.slice(-3)) io.out(`      | ${line}\n`);
    }
  }
  if (report.cost) {
    const parts = report.cost.groups.filter((g) => g.slices > 0).map((g) => `${g.name} ${g.slices} × $${g.perSliceHour.toFixed(2)}`);
    io.out(`\ncost: $${report.cost.perHour.toFixed(2)}/hour${parts.length > 0 ? ` (${parts.join(', ')})` : ''}\n`);
  }
}

interface ClusterCost {
  perHour: number;
  groups: { name: string; slices: number; perSliceHour: number; perHour: number }[];
}

/**
 * Cost per hour of the slices that exist (not those still being requested, nor those going away), priced by the controller's
 * providers (GET /api/v1/config carries `cost_per_slice_hour` where a provider has
 * `estimateCost`). Undefined when no group can be priced, or the controller predates the route.
 */
async function clusterCost(connection: ClusterConnection, autoscaler: AutoscalerStatus): Promise<ClusterCost | undefined> {
  const { token } = connection;
  const res = await fetch(`${connection.url}/api/v1/config`, { headers: token ? { authorization: `Bearer ${token}` } : {} }).catch(() => undefined);
  if (!res?.ok) return undefined;
  const view = (await res.json()) as { groups?: { name: string; cost_per_slice_hour?: number }[] };
  const prices = new Map((view.groups ?? []).flatMap((g) => (typeof g.cost_per_slice_hour === 'number' ? [[g.name, g.cost_per_slice_hour] as const] : [])));
  if (prices.size === 0) return undefined;
  const groups = autoscaler.groups.flatMap((g) => {
    const price = prices.get(g.name);
    if (price === undefined) return [];
    // A slice being requested does not exist yet: a stockout must not look like spending. Nor does
    // one the provider still holds in a queue (every VM `requesting`: a TPU queued resource waiting).
    const queued = (s: (typeof g.slices)[number]): boolean => s.vms.length > 0 && s.vms.every((vm) => vm.state === 'requesting');
    const slices = g.slices.filter((s) => s.state !== 'requesting' && s.state !== 'terminating' && s.state !== 'gone' && !queued(s)).length;
    return [{ name: g.name, slices, perSliceHour: price, perHour: slices * price }];
  });
  return { perHour: groups.reduce((sum, g) => sum + g.perHour, 0), groups };
}

export async function explainAutoscaler(options: { file?: string; json: boolean; connection?: ConnectionOptions }, io: CliIo): Promise<void> {
  let explanation: AutoscalerExplanation;
  let client: IrisClient;
  let clusterFile: string | undefined;
  let close = async (): Promise<void> => undefined;
  if (options.connection && namesController(options.connection, io)) {
    client = await connect(options.connection, io);
  } else {
    const target = await resolveClusterTarget(options.file, io);
    const connection = await clusterClient(target);
    client = connection.client;
    clusterFile = target.clusterFile;
    close = connection.close;
  }
  try {
    explanation = await client.autoscalerExplain<AutoscalerExplanation>();
  } catch (err) {
    if (!(err instanceof IrisApiError && err.status === 404)) throw err;
    // A controller started without a cluster file has no autoscaler, but still its workers and jobs.
    const health = await client.health();
    const note = clusterFile ? err.message.replace(/-c FILE/g, `-c ${clusterFile}`) : err.message;
    if (options.json) io.out(`${JSON.stringify({ note, workers: health.workers, jobs: health.jobs }, null, 2)}\n`);
    else io.out(`controller at ${client.url}: ${health.workers} worker(s), ${health.jobs} job(s); no autoscaler\n${note}\n`);
    return;
  } finally {
    await close();
  }
  if (options.json) {
    io.out(`${JSON.stringify(explanation, null, 2)}\n`);
    return;
  }
  if (explanation.strategy) io.out(`routing strategy: ${explanation.strategy}\n`);
  for (const g of explanation.groups) {
    io.out(`group ${g.name}: ${g.slices} slice(s), ${g.availability}\n`);
    for (const why of g.why) io.out(`  - ${why}\n`);
  }
  if (explanation.demand.length === 0) {
    io.out('no pending demand\n');
  } else {
    io.out('pending demand:\n');
    for (const d of explanation.demand) {
      const n = d.entryIds.length;
      io.out(`  ${n} entr${n === 1 ? 'y' : 'ies'} ${d.outcome}${d.group ? ` → ${d.group}` : ''}: ${d.reason}\n`);
      for (const v of d.verdicts ?? []) io.out(`      ${v}\n`);
    }
  }
  const recent = explanation.recentDecisions ?? [];
  if (recent.length > 0) {
    io.out(`recent decisions (last ${recent.length}, oldest first):\n`);
    for (const a of recent) io.out(`  ${describeAction(a)}\n`);
  }
}
