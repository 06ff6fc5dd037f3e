import {
  IrisError,
  type AutoscalerConfig,
  type Clock,
  type Logger,
  type Platform,
  type ScaleGroupConfig,
  type VmBootstrapSpec,
  type WorkerLaunch,
} from '@iris/core';
import { ActionLog, type ActionListener } from './action-log.js';
import { Autoscaler, type AutoscalerInputs } from './autoscaler.js';
import { CreateSlots } from './create-slots.js';
import { ScalingGroup } from './scaling-group.js';
import type { SliceStore } from './slice-store.js';
import { TokenBucket } from './token-bucket.js';

/** A create-rate limit shared by every group on one provider (one Platform instance). */
export interface ProviderCreateRate {
  readonly per_minute: number;
  readonly burst: number;
}

export interface AutoscalerDeps extends AutoscalerInputs {
  readonly clusterName: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sliceStore: SliceStore;
  /** The worker bootstrap spec for a group's slices (built by the composition root). */
  readonly workerBootstrap: (group: ScaleGroupConfig) => VmBootstrapSpec;
  /** How a slice's VMs join (address, a fresh join token per create); see controller/src/cluster/worker-launch.ts. */
  readonly workerLaunch: (group: ScaleGroupConfig, requestId: string) => WorkerLaunch;
  /** Create limits per provider type (defaults.autoscaler.provider_create_rates). */
  readonly providerCreateRates: Readonly<Record<string, ProviderCreateRate>>;
  /** A slice lost younger than this puts its group into backoff. */
  readonly shortLivedSliceMs: number;
  /** Actions kept for status and explain. */
  readonly actionLogSize: number;
  /** Entropy for request ids (Math.random in production, seeded in tests). */
  readonly random: () => number;
  /** Sees every action, e.g. to persist it or (simulator) keep a full timeline. */
  readonly onAction?: ActionListener;
}

/**
 * Builds the autoscaler and one ScalingGroup per configured group. `platforms` maps each group
 * name to the Platform of its provider (several groups may share one Platform, and then share its
 * provider create-rate limit).
 */
export function createAutoscaler(
  platforms: ReadonlyMap<string, Platform>,
  autoscalerConfig: AutoscalerConfig,
  scaleGroups: Readonly<Record<string, ScaleGroupConfig>>,
  deps: AutoscalerDeps,
): Autoscaler {
  const actionLog = new ActionLog(deps.actionLogSize, deps.onAction);
  const createSlots = new CreateSlots(autoscalerConfig.max_parallel_creates);
  const providerBuckets = new Map<Platform, TokenBucket>();
  let autoscaler: Autoscaler | undefined;
  const groups: ScalingGroup[] = [];
  for (const [name, config] of Object.entries(scaleGroups)) {
    const platform = platforms.get(name);
    if (!platform) {
      throw new IrisError(
        'IRIS_AUTOSCALER_NO_PLATFORM',
        `scale group "${name}" has no platform; build one Platform per provider config and map every group to it`,
      );
    }
    const rate = deps.providerCreateRates[platform.type];
    let providerBucket = providerBuckets.get(platform);
    if (!providerBucket && rate) {
      providerBucket = new TokenBucket(deps.clock, rate.per_minute, rate.burst);
      providerBuckets.set(platform, providerBucket);
    }
    const group = new ScalingGroup(config, platform.vmManager(config), autoscalerConfig, deps.clock, deps.sliceStore, {
      bootstrap: deps.workerBootstrap(config),
      launch: (requestId) => deps.workerLaunch(config, requestId),
      shortLivedSliceMs: deps.shortLivedSliceMs,
      actionLog,
      groupBucket: new TokenBucket(deps.clock, autoscalerConfig.create_rate_per_minute, autoscalerConfig.create_burst),
      providerBucket,
      createSlots,
      requestEvaluation: () => autoscaler?.notifyDemand(),
      random: deps.random,
      logger: deps.logger,
    });
    group.pricePerHour = providerPrice(platform, config) ?? config.cost_per_hour;
    groups.push(group);
  }
  autoscaler = new Autoscaler({
    clusterName: deps.clusterName,
    groups,
    platforms,
    config: autoscalerConfig,
    clock: deps.clock,
    logger: deps.logger,
    store: deps.sliceStore,
    inputs: { demand: deps.demand, workers: deps.workers },
    actionLog,
    createSlots,
  });
  return autoscaler;
}

/** A provider that prices its groups overrides `cost_per_hour`; pricing is informational, never fatal. */
function providerPrice(platform: Platform, config: ScaleGroupConfig): number | undefined {
  try {
    const price = platform.estimateCost?.(config, 1);
    return typeof price === 'number' && Number.isFinite(price) && price >= 0 ? price : undefined;
  } catch {
    return undefined;
  }
}
