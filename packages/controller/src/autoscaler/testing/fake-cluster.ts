import { FakeClock, silentLogger, type AutoscalerConfig, type Platform, type ScaleGroupConfig } from '@iris/core';
import type { Autoscaler } from '../autoscaler.js';
import { createAutoscaler } from '../create-autoscaler.js';
import type { ProviderCreateRate } from '../create-autoscaler.js';
import { seededRandom } from '../simulator/random.js';
import { InMemorySliceStore, type SliceStore } from '../slice-store.js';
import type { AutoscalerAction, DemandEntry, WorkerLiveness } from '../types.js';
import { FakePlatform, type FakeBehaviour } from './fake-platform.js';
import { TEST_WORKER_BOOTSTRAP, testWorkerLaunch } from './fixtures.js';

export interface FakeClusterOptions {
  readonly groups: readonly ScaleGroupConfig[];
  readonly config: AutoscalerConfig;
  readonly behaviour: FakeBehaviour;
  readonly seed: number;
  readonly clusterName?: string;
  readonly providerCreateRates?: Readonly<Record<string, ProviderCreateRate>>;
  readonly shortLivedSliceMs?: number;
}

/**
 * The real autoscaler wired to a FakePlatform on a FakeClock, with demand and workers as plain
 * mutable collections. `restart()` kills the autoscaler (in-flight results ignored) and builds a
 * new one over the same store and provider, as a controller restart would.
 */
export class FakeCluster {
  readonly clock: FakeClock;
  readonly platform: FakePlatform;
  readonly store: SliceStore = new InMemorySliceStore();
  readonly demand: DemandEntry[] = [];
  readonly workers = new Map<string, WorkerLiveness>();
  readonly actions: AutoscalerAction[] = [];
  autoscaler: Autoscaler;
  private readonly random: () => number;

  constructor(
    private readonly options: FakeClusterOptions,
    clock = new FakeClock(1_700_000_000_000),
  ) {
    this.clock = clock;
    this.random = seededRandom(options.seed);
    this.platform = new FakePlatform({ type: 'fake', clusterName: options.clusterName ?? 'sim', clock, behaviour: options.behaviour });
    this.autoscaler = this.build();
  }

  groupConfigs(): readonly ScaleGroupConfig[] {
    return this.options.groups;
  }

  restart(): Autoscaler {
    this.autoscaler.stop();
    this.autoscaler = this.build();
    return this.autoscaler;
  }

  private build(): Autoscaler {
    const platforms = new Map<string, Platform>(this.options.groups.map((g) => [g.name, this.platform]));
    return createAutoscaler(platforms, this.options.config, Object.fromEntries(this.options.groups.map((g) => [g.name, g])), {
      clusterName: this.options.clusterName ?? 'sim',
      clock: this.clock,
      logger: silentLogger,
      sliceStore: this.store,
      demand: () => this.demand,
      workers: () => this.workers,
      workerBootstrap: () => TEST_WORKER_BOOTSTRAP,
      workerLaunch: testWorkerLaunch,
      providerCreateRates: this.options.providerCreateRates ?? {},
      shortLivedSliceMs: this.options.shortLivedSliceMs ?? 300_000,
      actionLogSize: 200,
      random: this.random,
      onAction: (a) => this.actions.push(a),
    });
  }
}
