import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IrisClient, IrisError } from '@iris/core';
import type { AutoscalerAction, AutoscalerExplanation, AutoscalerStatus } from '@iris/controller';
import { createPlatforms } from '@iris/controller';
import type { CliIo } from '../context.js';
import { controllerHostOf, resolveClusterTarget, type ClusterTarget } from '../cluster/cluster-target.js';
import { formatTable } from '../output/table.js';

export const CONTROLLER_NOT_RUNNING = 'IRIS_CONTROLLER_NOT_RUNNING';

/** Progress for people on a terminal; plain lines in a pipe or a log. */
function progress(io: CliIo, text: string): void {
  io.err(`${text}\n`);
}

function readToken(stateDir: string): string | undefined {
  const file = join(stateDir, 'token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** A client for the target cluster's running controller, or a clear error when it is not running. */
export async function clusterClient(target: ClusterTarget): Promise<{ client: IrisClient; url: string }> {
  const { host } = await controllerHostOf(target);
  const status = await host.status();
  if (!status.running || !status.address) {
    throw new IrisError(
      CONTROLLER_NOT_RUNNING,
      `the controller of cluster "${target.cluster.config.name}" is not running${status.detail ? ` (${status.detail})` : ''}; start it with: iris start${target.clusterFile ? ` -c ${target.clusterFile}` : ''}`,
    );
  }
  const token = readToken(target.cluster.config.controller.state_dir);
  return { client: new IrisClient({ baseUrl: status.address, ...(token ? { token } : {}) }), url: status.address };
}

function describeAction(a: AutoscalerAction): string {
  return `${new Date(a.atMs).toISOString()}  ${a.group}  ${a.type}${a.sliceId ? ` ${a.sliceId}` : ''}: ${a.reason}`;
}

export async function startCluster(options: { file?: string; detach: boolean }, io: CliIo): Promise<void> {
  const target = await resolveClusterTarget(options.file, io);
  const { config } = target.cluster;
  const { host } = await controllerHostOf(target);
  progress(io, `starting the controller of cluster "${config.name}" (${config.controller.provider.type} provider)…`);
  const status = await host.start();
  io.out(`cluster "${config.name}": controller at ${status.address}\n`);
  io.out(`  groups: ${Object.values(config.scale_groups).map((g) => `${g.name} (${g.provider.type}, ${g.min_slices}..${g.max_slices} slices)`).join(', ')}\n`);
  io.out(`  state:  ${config.controller.state_dir}\n`);
  const fileFlag = options.file ? ` -c ${options.file}` : '';
  io.out(`next: iris job run${fileFlag} -- echo hello   ·   iris status${fileFlag}   ·   iris stop${fileFlag}\n`);
  if (options.detach) return;

  // Foreground: follow the autoscaler's decisions until Ctrl-C, then stop the whole cluster.
  progress(io, 'following autoscaler actions; Ctrl-C stops the cluster (use --detach to leave it running)');
  const { client } = await clusterClient(target);
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
  await stopCluster({ ...(options.file ? { file: options.file } : {}) }, io);
}

/** Stops the controller, then terminates every slice of every group the cluster owns. */
export async function stopCluster(options: { file?: string }, io: CliIo): Promise<void> {
  const target = await resolveClusterTarget(options.file, io);
  const { config, registry } = target.cluster;
  const { host } = await controllerHostOf(target);
  progress(io, `stopping the controller of cluster "${config.name}"…`);
  // The controller goes first, so it cannot create a slice while we remove them.
  await host.stop();
  const platforms = await createPlatforms(config, registry, target.deps);
  const removed: string[] = [];
  const failures: string[] = [];
  await Promise.all(
    Object.values(config.scale_groups).map(async (group) => {
      const manager = platforms.byGroup.get(group.name)!.vmManager(group);
      let slices;
      try {
        slices = await manager.listSlices();
      } catch (err) {
        failures.push(`${group.name}: cannot list slices: ${(err as Error).message}`);
        return;
      }
      if (slices.length > 0) progress(io, `terminating ${slices.length} slice(s) of group ${group.name}…`);
      await Promise.all(
        slices.map(async (slice) => {
          try {
            await manager.terminateSlice(slice.sliceId);
            removed.push(`${group.name}/${slice.sliceId}`);
          } catch (err) {
            failures.push(`${group.name}/${slice.sliceId}: ${(err as Error).message}`);
          }
        }),
      );
    }),
  );
  await Promise.all(platforms.all.map((p) => p.close?.()));
  io.out(`cluster "${config.name}" stopped: controller down, ${removed.length} slice(s) terminated\n`);
  if (failures.length > 0) {
    throw new IrisError('IRIS_STOP_INCOMPLETE', `some slices could not be terminated (run iris stop again):\n  ${failures.join('\n  ')}`);
  }
}

interface StatusReport {
  cluster: string;
  controller: { running: boolean; address?: string; workers?: number; jobs?: number };
  autoscaler?: AutoscalerStatus;
  jobs?: Record<string, number>;
}

export async function clusterStatus(options: { file?: string; json: boolean }, io: CliIo): Promise<void> {
  const target = await resolveClusterTarget(options.file, io);
  const { host } = await controllerHostOf(target);
  const status = await host.status();
  const report: StatusReport = { cluster: target.cluster.config.name, controller: { running: status.running } };
  if (status.running && status.address) {
    const { client } = await clusterClient(target);
    const health = await client.health();
    report.controller = { running: true, address: status.address, workers: health.workers, jobs: health.jobs };
    report.autoscaler = await client.autoscalerStatus<AutoscalerStatus>();
    const jobs: Record<string, number> = {};
    let cursor: string | undefined;
    do {
      const page = await client.listJobs({ limit: 1000, ...(cursor ? { cursor } : {}) });
      for (const j of page.items) jobs[j.state] = (jobs[j.state] ?? 0) + 1;
      cursor = page.next_cursor;
    } while (cursor);
    report.jobs = jobs;
  }
  if (options.json) {
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  io.out(`cluster ${report.cluster}: controller ${report.controller.running ? `running at ${report.controller.address}` : 'not running'}\n`);
  if (!report.autoscaler) return;
  io.out(`workers: ${report.controller.workers}   jobs: ${Object.entries(report.jobs ?? {}).map(([s, n]) => `${n} ${s}`).join(', ') || 'none'}\n\n`);
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
  const unmet = report.autoscaler.lastRouting?.unmet ?? [];
  if (unmet.length > 0) {
    io.out('\nunmet demand:\n');
    for (const u of unmet) io.out(`  ${u.count} × ${u.reason.message}\n`);
  }
}

export async function explainAutoscaler(options: { file?: string; json: boolean }, io: CliIo): Promise<void> {
  const target = await resolveClusterTarget(options.file, io);
  const { client } = await clusterClient(target);
  const explanation = await client.autoscalerExplain<AutoscalerExplanation>();
  if (options.json) {
    io.out(`${JSON.stringify(explanation, null, 2)}\n`);
    return;
  }
  for (const g of explanation.groups) {
    io.out(`group ${g.name}: ${g.slices} slice(s), ${g.availability}\n`);
    for (const why of g.why) io.out(`  - ${why}\n`);
  }
  if (explanation.demand.length === 0) {
    io.out('no pending demand\n');
    return;
  }
  io.out('pending demand:\n');
  for (const d of explanation.demand) {
    const n = d.entryIds.length;
    io.out(`  ${n} entr${n === 1 ? 'y' : 'ies'} ${d.outcome}${d.group ? ` → ${d.group}` : ''}: ${d.reason}\n`);
  }
}
