import { FakeClock, LABEL_GROUP, type AutoscalerConfig, type ScaleGroupConfig } from '@iris/core';
import type { ProviderCreateRate } from '../create-autoscaler.js';
import { FakeCluster } from '../testing/fake-cluster.js';
import type { FakeSlice } from '../testing/fake-platform.js';
import { findLeakedVms, findLostJobs } from './invariants.js';
import { randomInt, seededRandom } from './random.js';
import type { Scenario, ScenarioFault, ScenarioJob } from './scenario.js';
import { TaskModel } from './task-model.js';

export interface SimulationInput {
  readonly scaleGroups: Readonly<Record<string, ScaleGroupConfig>>;
  readonly autoscalerConfig: AutoscalerConfig;
  readonly scenario: Scenario;
  readonly providerCreateRates: Readonly<Record<string, ProviderCreateRate>>;
  /** A slice lost younger than this backs its group off (as in the controller). */
  readonly shortLivedSliceMs: number;
  /** Orphan min age used by the reconcile after each simulated restart. */
  readonly orphanMinAgeMs: number;
  /** Check no-leak and no-lost-job after every step; violations are collected, not thrown. */
  readonly checkInvariants: boolean;
}

/** One line of the timeline; times are milliseconds since the simulation started. */
export interface TimelineEvent {
  readonly atMs: number;
  readonly source: 'autoscaler' | 'scenario' | 'tasks';
  readonly type: string;
  readonly group?: string;
  readonly sliceId?: string;
  readonly detail: string;
}

export interface JobOutcome {
  readonly id: string;
  readonly submittedAtMs: number;
  readonly state: 'finished' | 'running' | 'pending';
  /** Submission to all tasks running at once; absent when it never got there. */
  readonly timeToSatisfyMs?: number;
  readonly finishedAtMs?: number;
  readonly requeues: number;
}

export interface SimulationSummary {
  readonly scenario: string;
  readonly seed: number;
  readonly durationMs: number;
  /** Live slices per group, recorded whenever the count changes. */
  readonly slicesOverTime: readonly { atMs: number; group: string; slices: number }[];
  readonly jobs: readonly JobOutcome[];
  /** Demand still waiting at the end, with why. */
  readonly waiting: readonly { entryIds: readonly string[]; outcome: 'routed' | 'unmet'; reason: string }[];
  readonly vmHoursByGroup: Readonly<Record<string, number>>;
  readonly createCalls: number;
  readonly vmsLeftAtEnd: number;
}

export interface SimulationResult {
  readonly timeline: readonly TimelineEvent[];
  readonly summary: SimulationSummary;
  /** Invariant violations, each with the step time (empty when the run was clean). */
  readonly violations: readonly string[];
}

/**
 * Replays a scenario against the real Autoscaler and ScalingGroups on a FakeClock and a
 * FakePlatform. Every step: scenario events fire, tasks finish or are requeued, pending work is
 * placed on ready slices, the clock moves one step (the autoscaler evaluates on its own timers),
 * and the invariants are checked. Same input and seed, same result.
 */
export async function runSimulation(input: SimulationInput): Promise<SimulationResult> {
  const { scenario } = input;
  const clock = new FakeClock(1_700_000_000_000);
  const start = clock.now();
  const groups = Object.values(input.scaleGroups);
  const cluster = new FakeCluster(
    {
      groups,
      config: input.autoscalerConfig,
      behaviour: scenario.behaviour,
      seed: scenario.seed,
      providerCreateRates: input.providerCreateRates,
      shortLivedSliceMs: input.shortLivedSliceMs,
    },
    clock,
  );
  const random = seededRandom(scenario.seed ^ 0x5eed);
  const model = new TaskModel(new Map(groups.map((g) => [g.name, g])));
  const timeline: TimelineEvent[] = [];
  const violations: string[] = [];
  const rel = (): number => clock.now() - start;
  let actionsSeen = 0;
  const drainActions = (): void => {
    for (; actionsSeen < cluster.actions.length; actionsSeen++) {
      const a = cluster.actions[actionsSeen]!;
      timeline.push({
        atMs: a.atMs - start,
        source: 'autoscaler',
        type: a.type,
        group: a.group,
        ...(a.sliceId === undefined ? {} : { sliceId: a.sliceId }),
        detail: a.reason,
      });
    }
  };
  const note = (source: TimelineEvent['source'], type: string, detail: string, group?: string): void => {
    timeline.push({ atMs: rel(), source, type, detail, ...(group === undefined ? {} : { group }) });
  };

  let readySlices: FakeSlice[] = [];
  const refreshView = (): void => {
    readySlices = cluster.platform.liveSlices().filter((s) => s.vms.every((vm) => vm.state === 'ready'));
    cluster.demand.length = 0;
    cluster.demand.push(...model.demand());
    cluster.workers.clear();
    for (const [k, v] of model.workers(readySlices, clock.now())) cluster.workers.set(k, v);
  };

  const boot = async (): Promise<void> => {
    refreshView();
    const report = await drive(clock, cluster.autoscaler.reconcile({ orphanMinAgeMs: input.orphanMinAgeMs, dryRun: false }));
    for (const o of report.orphans) note('autoscaler', 'orphan', `${o.vmId}: ${o.outcome}`, o.group);
    cluster.autoscaler.start();
    cluster.autoscaler.notifyDemand();
  };
  await boot();

  const events: ({ atMs: number; job: ScenarioJob } | { atMs: number; fault: ScenarioFault })[] = [
    ...scenario.jobs.map((job) => ({ atMs: job.atMs, job })),
    ...scenario.faults.map((fault) => ({ atMs: fault.atMs, fault })),
  ].sort((a, b) => a.atMs - b.atMs);
  let nextEvent = 0;
  const lastCounts = new Map<string, number>();
  const slicesOverTime: { atMs: number; group: string; slices: number }[] = [];
  const vmMs = new Map<string, number>(groups.map((g) => [g.name, 0]));

  while (rel() <= scenario.durationMs) {
    let demandChanged = false;
    while (nextEvent < events.length && events[nextEvent]!.atMs <= rel()) {
      const event = events[nextEvent++]!;
      if ('job' in event) {
        model.submit(event.job, clock.now());
        note(
          'scenario',
          'job_submitted',
          `${event.job.id}: ${event.job.tasks} task(s)${event.job.gang ? ' as a gang' : ''}, ${event.job.accelerator_type}${event.job.accelerator_variant ? `/${event.job.accelerator_variant}` : ''}`,
        );
        demandChanged = true;
      } else if (event.fault.kind === 'restart') {
        note('scenario', 'controller_restart', 'controller killed and restarted; in-flight calls are forgotten');
        cluster.restart();
        await boot();
      } else {
        applyFault(event.fault, cluster, random, (detail, group) => note('scenario', `fault_${event.fault.kind}`, detail, group));
      }
    }
    readySlices = cluster.platform.liveSlices().filter((s) => s.vms.every((vm) => vm.state === 'ready'));
    const { requeued } = model.advance(clock.now(), new Set(readySlices.map((s) => s.sliceId)));
    for (const id of requeued) note('tasks', 'requeued', `${id}: its slice was lost; back to pending`);
    const placed = model.place(readySlices, clock.now());
    if (placed > 0) note('tasks', 'placed', `${placed} task(s) started`);
    if (requeued.length > 0 || placed > 0) demandChanged = true;
    refreshView();
    if (demandChanged) cluster.autoscaler.notifyDemand();

    for (const vm of cluster.platform.heldVms()) {
      const g = groups.find((x) => vm.labels[LABEL_GROUP] === x.name)?.name ?? vm.labels[LABEL_GROUP] ?? '?';
      vmMs.set(g, (vmMs.get(g) ?? 0) + scenario.stepMs);
    }
    await clock.advance(scenario.stepMs);
    await cluster.autoscaler.evaluating();
    refreshView();
    drainActions();

    for (const g of groups) {
      const n = cluster.platform.liveSlices(g.name).length;
      if (lastCounts.get(g.name) !== n) {
        lastCounts.set(g.name, n);
        slicesOverTime.push({ atMs: rel(), group: g.name, slices: n });
      }
    }
    if (input.checkInvariants) {
      for (const v of findLeakedVms(cluster.platform, cluster.autoscaler)) violations.push(`t=${rel()}ms ${v}`);
      for (const v of findLostJobs(model, cluster.autoscaler)) violations.push(`t=${rel()}ms ${v}`);
    }
  }

  cluster.autoscaler.stop();
  const explanation = cluster.autoscaler.explain();
  const summary: SimulationSummary = {
    scenario: scenario.name,
    seed: scenario.seed,
    durationMs: scenario.durationMs,
    slicesOverTime,
    jobs: [...model.jobs.values()].map((j) => ({
      id: j.spec.id,
      submittedAtMs: j.submittedAtMs - start,
      state: j.finishedAtMs !== undefined ? 'finished' : j.tasks.some((t) => t.state === 'pending') ? 'pending' : 'running',
      ...(j.satisfiedAtMs === undefined ? {} : { timeToSatisfyMs: j.satisfiedAtMs - j.submittedAtMs }),
      ...(j.finishedAtMs === undefined ? {} : { finishedAtMs: j.finishedAtMs - start }),
      requeues: j.requeues,
    })),
    waiting: explanation.demand.map((d) => ({ entryIds: d.entryIds, outcome: d.outcome, reason: d.reason })),
    vmHoursByGroup: Object.fromEntries([...vmMs].map(([g, ms]) => [g, ms / 3_600_000])),
    createCalls: cluster.platform.createCalls,
    vmsLeftAtEnd: cluster.platform.heldVms().length,
  };
  return { timeline, summary, violations };
}

function applyFault(fault: ScenarioFault, cluster: FakeCluster, random: () => number, note: (detail: string, group?: string) => void): void {
  const p = cluster.platform;
  switch (fault.kind) {
    case 'stockout':
      p.setStockout(fault.zone, fault.on);
      note(`zone ${fault.zone} ${fault.on ? 'out of' : 'back in'} capacity`);
      return;
    case 'quota':
      p.setQuotaExhausted(fault.group, fault.on);
      note(`quota ${fault.on ? 'exhausted' : 'restored'}`, fault.group);
      return;
    case 'fail_creates':
      p.failNextCreates(fault.group, fault.error, fault.count, fault.retryAfterMs);
      note(`next ${fault.count} create(s) fail with ${fault.error}`, fault.group);
      return;
    case 'stuck_boots':
      p.stickNextBoots(fault.group, fault.count);
      note(`next ${fault.count} boot(s) never finish`, fault.group);
      return;
    case 'slow_boots':
      p.setBehaviour(fault.group, { bootMs: fault.bootMs });
      note(`boots now take ${fault.bootMs}ms`, fault.group);
      return;
    case 'preempt': {
      const live = p.liveSlices(fault.group).filter((s) => s.vms.every((vm) => vm.state !== 'terminating' && vm.state !== 'preempted'));
      for (let i = 0; i < fault.count && live.length > 0; i++) {
        const [victim] = live.splice(randomInt(random, 0, live.length - 1), 1);
        if (victim && p.preempt(victim.sliceId)) note(`preempted ${victim.sliceId}`, fault.group);
      }
      return;
    }
    case 'restart':
      return;
  }
}

/** Runs the fake clock forward until `promise` settles (bounded: it must not hang a test). */
async function drive<T>(clock: FakeClock, promise: Promise<T>): Promise<T> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 10_000 && !settled; i++) await clock.advance(i === 0 ? 0 : 100);
  if (!settled) throw new Error('simulation: reconcile did not finish within 1000 simulated seconds');
  return promise;
}
