import type { ScaleGroupConfig } from '@iris/core';
import { describe, expect, it } from 'vitest';
import { PROVIDER_ERROR_KINDS, ROUTING_STRATEGIES } from '@iris/core';
import { randomInt, seededRandom } from '../../src/index.js';
import { SIM_CONFIG, groups, simulate, testScaleGroup } from './sim-fixtures.js';

const RUNS = 500;
const VARIANTS = ['v5litepod-4', 'v5litepod-16'] as const;

/** A random but reproducible world: groups, jobs and faults all drawn from `seed`. */
function randomWorld(seed: number): { scaleGroups: Record<string, ScaleGroupConfig>; scenario: Record<string, unknown> } {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[randomInt(rnd, 0, xs.length - 1)]!;
  const groupList: ScaleGroupConfig[] = [];
  const nGroups = randomInt(rnd, 1, 3);
  for (let i = 0; i < nGroups; i++) {
    const zones = rnd() < 0.5 ? ['zone-a'] : ['zone-a', 'zone-b'];
    const max = randomInt(rnd, 1, 5);
    groupList.push(
      testScaleGroup(`g${i}`, {
        provider: { type: 'fake', zones },
        accelerator_variant: pick(VARIANTS),
        slice_size: pick([1, 1, 2, 4]),
        preemptible: rnd() < 0.3,
        min_slices: rnd() < 0.2 ? 1 : 0,
        max_slices: max,
        priority: randomInt(rnd, 1, 3) * 10,
        ...(rnd() < 0.6 ? { cost_per_hour: randomInt(rnd, 1, 8) / 2 } : {}),
        ...(rnd() < 0.3 ? { pool: pick(['p1', 'p2']) } : {}),
      }),
    );
  }
  const durationMs = randomInt(rnd, 10, 30) * 60_000;
  const jobs = Array.from({ length: randomInt(rnd, 1, 6) }, (_, i) => {
    const gang = rnd() < 0.3;
    return {
      id: `job-${i}`,
      at: randomInt(rnd, 0, durationMs / 2),
      tasks: gang ? pick([2, 4]) : randomInt(rnd, 1, 4),
      gang,
      duration: randomInt(rnd, 1, 10) * 60_000,
      accelerator_type: rnd() < 0.15 ? 'cpu' : 'tpu',
      ...(rnd() < 0.7 ? { accelerator_variant: pick(VARIANTS) } : {}),
      ...(rnd() < 0.2 ? { preemptible: rnd() < 0.5 } : {}),
    };
  });
  const faults: Record<string, unknown>[] = [];
  const nFaults = randomInt(rnd, 0, 5);
  for (let i = 0; i < nFaults; i++) {
    const at = randomInt(rnd, 0, durationMs);
    const group = pick(groupList).name;
    switch (randomInt(rnd, 0, 6)) {
      case 0:
        faults.push({ at, kind: 'stockout', zone: pick(['zone-a', 'zone-b']), on: rnd() < 0.7 });
        break;
      case 1:
        faults.push({ at, kind: 'quota', group, on: rnd() < 0.7 });
        break;
      case 2: {
        const error = pick(PROVIDER_ERROR_KINDS);
        faults.push({
          at,
          kind: 'fail_creates',
          group,
          error,
          count: randomInt(rnd, 1, 3),
          ...(error === 'rate_limited' ? { retry_after: randomInt(rnd, 1, 60) * 1_000 } : {}),
        });
        break;
      }
      case 3:
        faults.push({ at, kind: 'stuck_boots', group, count: randomInt(rnd, 1, 2) });
        break;
      case 4:
        faults.push({ at, kind: 'preempt', group, count: randomInt(rnd, 1, 2) });
        break;
      case 5:
        faults.push({ at, kind: 'slow_boots', group, boot: randomInt(rnd, 1, 20) * 60_000 });
        break;
      default:
        faults.push({ at, kind: 'restart' });
    }
  }
  return {
    scaleGroups: groups(...groupList),
    scenario: {
      name: `random-${seed}`,
      seed,
      duration: durationMs,
      step: 10_000,
      behaviour: {
        create_latency: randomInt(rnd, 1, 90) * 1_000,
        boot: randomInt(rnd, 10, 120) * 1_000,
        init: randomInt(rnd, 5, 60) * 1_000,
        terminate_latency: randomInt(rnd, 1, 10) * 1_000,
      },
      jobs,
      faults,
    },
  };
}

describe(`${RUNS} seeded random scenarios under every routing strategy`, () => {
  // One test per strategy, each with a generous bound: CI runs many projects at once.
  it.each(ROUTING_STRATEGIES)(
    '%s: never leak a VM and never lose a job, checked after every step',
    async (routing) => {
      const failures: string[] = [];
      let finishedJobs = 0;
      let restarts = 0;
      for (let seed = 1; seed <= RUNS; seed++) {
        const world = randomWorld(seed);
        // Every third world also runs under cluster limits, so held-back demand is exercised too.
        const limits = seed % 3 === 0 ? { max_slices_total: 3, max_cost_per_hour: 6 } : {};
        const result = await simulate(world.scaleGroups, world.scenario, { ...SIM_CONFIG, routing, ...limits });
        if (result.violations.length > 0) failures.push(`seed ${seed}: ${result.violations.slice(0, 3).join(' | ')}`);
        finishedJobs += result.summary.jobs.filter((j) => j.state === 'finished').length;
        restarts += result.timeline.filter((e) => e.type === 'controller_restart').length;
      }
      expect(failures).toEqual([]);
      // The worlds are not degenerate: work gets done and restarts happen.
      expect(finishedJobs).toBeGreaterThan(RUNS);
      expect(restarts).toBeGreaterThan(50);
    },
    600_000,
  );
});
