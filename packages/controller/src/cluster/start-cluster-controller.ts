import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  LABEL_ROLE,
  SystemClock,
  silentLogger,
  type ClusterConfig,
  type Logger,
  type Platform,
  type PlatformDeps,
  type ScaleGroupConfig,
  type StateSnapshots,
  type VmBootstrapSpec,
} from '@iris/core';
import { type ProviderRegistry } from '@iris/core/config';
import { createAutoscaler } from '../autoscaler/create-autoscaler.js';
import type { Autoscaler, ReconcileReport } from '../autoscaler/autoscaler.js';
import { controllerTimeouts, DATABASE_FILE, inputLimits, startController, type ControllerHandle, type StartControllerOptions } from '../controller.js';
import { restoreNewestSnapshot, StateSnapshotService } from '../state/state-snapshots.js';
import { SqliteSliceStore } from '../store/sqlite-slice-store.js';
import { demandFromState, workerSnapshot } from './demand.js';
import { createPlatforms } from './platforms.js';
import { StartupRetry } from './startup-retry.js';
import { configView } from '../dashboard/config-view.js';
import { instrumentAutoscaler, instrumentPlatform, instrumentProviderObject } from '../metrics/instrument.js';
import { RevokeOnSliceEnd } from './revoke-on-slice-end.js';
import { planWorkerLaunches, workerLaunchFactory } from './worker-launch.js';

export interface StartClusterControllerOptions extends StartControllerOptions {
  config: ClusterConfig;
  registry: ProviderRegistry;
  /** argv prefix that runs `iris` here (providers start workers with it). */
  irisCommand?: readonly string[];
  clusterFile?: string;
  /** The URL the cluster's VMs reach this controller at (`--advertise-url`), when it is not the bound one. */
  advertiseUrl?: string;
  /** Labelled VMs nobody accounts for are terminated once older than this. */
  orphanMinAgeMs?: number;
  /** Report orphans instead of terminating them. */
  orphanDryRun?: boolean;
}

export interface ClusterControllerHandle extends ControllerHandle {
  autoscalerInstance: Autoscaler;
  platforms: readonly Platform[];
  reconcileReport: ReconcileReport;
  /** Present when the controller's provider keeps snapshots of the database (gcp `state_bucket`). */
  stateSnapshots?: StateSnapshotService;
}

/** How long a slice that dies must have lived for its death not to count against its group. */
const STARTUP_RETRY_INITIAL_MS = 1_000;
const STARTUP_RETRY_MAX_MS = 60_000;

/**
 * The controller of a cluster file: the API and state of `startController`, one Platform per
 * distinct provider config, one ScalingGroup per group and the autoscaler fed from the scheduler's
 * pending tasks. On start it reconciles with what the providers hold (adopting its own slices).
 */
export async function startClusterController(options: StartClusterControllerOptions): Promise<ClusterControllerHandle> {
  const { config, registry } = options;
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? silentLogger;
  const deps: PlatformDeps = {
    clusterName: config.name,
    bootstrap: config.defaults.bootstrap,
    timeouts: config.defaults.timeouts,
    ssh: config.defaults.ssh,
    clock,
    logger: logger,
    stateDir: options.stateDir,
    ...(options.irisCommand ? { irisCommand: options.irisCommand } : {}),
    ...(options.clusterFile ? { clusterFile: options.clusterFile } : {}),
  };
  // A new state disk gets the newest snapshot before the database is opened.
  const { platform: controllerPlatform, snapshots } = await controllerSnapshots(config, registry, deps, logger);
  if (snapshots) {
    try {
      mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
      await restoreNewestSnapshot({ store: snapshots.store, databaseFile: join(options.stateDir, DATABASE_FILE), logger });
    } catch (err) {
      await controllerPlatform?.close?.();
      throw err;
    }
  }
  let handle: ControllerHandle;
  try {
    handle = await startController({
      ...options,
      clock,
      logger,
      limits: {
        ...controllerTimeouts(config.controller),
        ...(config.controller.limits ? inputLimits(config.controller.limits) : {}),
        ...options.limits,
      },
    });
  } catch (err) {
    await controllerPlatform?.close?.();
    throw err;
  }
  try {
    const created = await createPlatforms(config, registry, deps);
    // Provider calls and their errors by kind show in /metrics; the providers do not know.
    const instrumented = new Map(created.all.map((p) => [p, instrumentPlatform(p, handle.metrics)]));
    const platforms = { all: created.all, byGroup: new Map([...created.byGroup].map(([g, p]) => [g, instrumented.get(p)!])) };
    // Once per group: the address its VMs dial (an error here names the group and the setting).
    const launchPlans = await planWorkerLaunches(config, platforms.byGroup, handle.url, options.advertiseUrl);
    const workerBootstrap = (_group: ScaleGroupConfig): VmBootstrapSpec => ({
      role: 'worker',
      labels: { [LABEL_ROLE]: 'worker' },
      providerOverrides: {},
      container: {
        image: config.defaults.bootstrap.docker_image ?? '',
        entrypoint: [],
        ports: {},
        // The address and the join credential travel on CreateSliceRequest.launch, never here.
        env: { ...config.defaults.bootstrap.env },
      },
    });
    // A cloud API's passing 503 while the controller adopts its slices must not kill it.
    const startupRetry = new StartupRetry({ clock, logger, initialDelayMs: STARTUP_RETRY_INITIAL_MS, maxDelayMs: STARTUP_RETRY_MAX_MS });
    const autoscaler = createAutoscaler(startupRetry.platforms(platforms.byGroup), config.defaults.autoscaler, config.scale_groups, {
      clusterName: config.name,
      clock,
      logger: logger,
      sliceStore: new RevokeOnSliceEnd(new SqliteSliceStore(handle.store, () => clock.now()), handle.credentials, logger),
      workerBootstrap,
      workerLaunch: workerLaunchFactory(launchPlans, handle.credentials),
      providerCreateRates: config.defaults.autoscaler.provider_create_rates,
      shortLivedSliceMs: config.defaults.autoscaler.short_lived_slice,
      actionLogSize: config.defaults.autoscaler.action_log_size,
      random: Math.random,
      demand: () => demandFromState(handle.state),
      workers: () => workerSnapshot(handle.state),
    });
    instrumentAutoscaler(autoscaler, handle.metrics);
    const reconcileReport = await autoscaler.reconcile({
      orphanMinAgeMs: options.orphanMinAgeMs ?? config.defaults.autoscaler.orphan_min_age,
      dryRun: options.orphanDryRun ?? false,
    });
    startupRetry.done();
    handle.autoscaler.current = {
      status: () => autoscaler.status(),
      explain: () => autoscaler.explain(),
      // The controller removes what it owns with its own platforms: only it can reach a remote
      // provider's state (a controller on a lab host keeps the manual slices' records there).
      terminateAll: async () => {
        const slices = autoscaler.status().groups.reduce((n, g) => n + g.counts.total, 0);
        const orphans = await autoscaler.terminateAll();
        return { slices, orphans: orphans.filter((o) => o.outcome === 'terminated').length };
      },
      // Platforms with fixed hosts (manual) say which hosts fail and why: `iris status` shows it.
      hostReports: () => platforms.all.flatMap((p) => (p.hostReports ? p.hostReports().map((r) => ({ provider: p.type, ...r })) : [])),
    };
    handle.config.current = configView(config, platforms.byGroup, options.clusterFile);

    // New pending work reaches the autoscaler at once; its interval is only the ceiling.
    const listener = handle.state.listener;
    handle.state.listener = {
      ...listener,
      schedulingNeeded: () => {
        listener.schedulingNeeded();
        autoscaler.notifyDemand();
      },
      // `iris job run` shows why a task waits; the autoscaler knows when no group can ever run it.
      pendingDetail: (taskId, jobName) => autoscaler.demandNote(taskId) ?? autoscaler.demandNote(`gang:${jobName}`),
    };
    autoscaler.start();
    autoscaler.notifyDemand();
    const stateSnapshots = snapshots
      ? new StateSnapshotService({
          ...snapshots,
          // Uploads, lists and deletes and their failures by kind show in /metrics as provider calls.
          store: instrumentProviderObject(snapshots.store, controllerPlatform?.type ?? 'unknown', handle.metrics),
          clock,
          logger,
          backup: (file) => handle.store.db.backup(file),
          tempDir: handle.stateDir,
        })
      : undefined;
    stateSnapshots?.start();

    const stopController = handle.stop;
    return {
      ...handle,
      autoscalerInstance: autoscaler,
      platforms: platforms.all,
      reconcileReport,
      ...(stateSnapshots ? { stateSnapshots } : {}),
      async stop() {
        // Slices stay up: a restarted controller adopts them. `iris stop` is what removes them.
        autoscaler.stop();
        await autoscaler.settle();
        // The last snapshot, while the database is still open.
        await stateSnapshots?.stop();
        // A provider may hand the controller block and a group the same instance: close each once.
        await Promise.all([...new Set([...platforms.all, ...(controllerPlatform ? [controllerPlatform] : [])])].map((p) => p.close?.()));
        await stopController();
      },
    };
  } catch (err) {
    await handle.stop();
    await controllerPlatform?.close?.();
    throw err;
  }
}

/**
 * The `controller.provider` platform and the snapshot settings it offers (gcp: `state_bucket`); the
 * platform is closed with the others at stop. A provider that cannot be created here (not
 * installed where the controller runs) offers none.
 */
async function controllerSnapshots(
  config: ClusterConfig,
  registry: ProviderRegistry,
  deps: PlatformDeps,
  logger: Logger,
): Promise<{ platform?: Platform; snapshots?: StateSnapshots }> {
  let platform: Platform;
  try {
    platform = await registry.createPlatform(config.controller.provider, deps);
  } catch (err) {
    logger.debug('no state snapshots: the controller provider has no platform here', {
      provider: config.controller.provider.type,
      error: (err as Error).message,
    });
    return {};
  }
  const snapshots = platform.stateSnapshots?.(config.controller);
  return snapshots ? { platform, snapshots } : { platform };
}
