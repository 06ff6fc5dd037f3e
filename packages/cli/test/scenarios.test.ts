import { describe, expect, it } from 'vitest';
import { runIris } from './run-iris.js';

interface Summary {
  summary: { vmHoursByGroup: Record<string, number>; jobs: { id: string; state: string }[] };
  violations: string[];
}

const CLUSTER = 'examples/scenarios/cluster.yaml';
/** cost_per_hour of the groups in examples/scenarios/cluster.yaml (slice_size 1 for the CPU groups). */
const PRICE: Record<string, number> = { cpu_a: 0.8, cpu_b: 0.5 };

async function simulate(scenario: string, routing: string): Promise<Summary> {
  const run = await runIris(['simulate', '-c', CLUSTER, '--scenario', `examples/scenarios/${scenario}.yaml`, '--routing', routing, '--json']);
  expect(run.code, run.stderr).toBe(0);
  const result = JSON.parse(run.stdout) as Summary;
  expect(result.violations).toEqual([]);
  return result;
}

// Each simulation takes seconds; the bounds are the acceptance bars, not timings.
describe('the committed autoscaler scenarios (acceptance bars of issue 12)', () => {
  it('packs many small tasks within 10% of the lower bound (576 x 1 CPU x 2 h on 16-CPU slices = 72 slice-hours)', async () => {
    const result = await simulate('small-tasks', 'priority');
    const sliceHours = Object.values(result.summary.vmHoursByGroup).reduce((a, b) => a + b, 0);
    expect(sliceHours).toBeGreaterThanOrEqual(72);
    expect(sliceHours).toBeLessThanOrEqual(72 * 1.1);
    expect(result.summary.jobs.every((j) => j.state === 'finished')).toBe(true);
  }, 300_000);

  it('cost routing is never dearer than priority routing on two equivalent pools at different prices', async () => {
    const cost = (r: Summary): number => Object.entries(r.summary.vmHoursByGroup).reduce((sum, [g, h]) => sum + h * (PRICE[g] ?? 0), 0);
    const byPriority = await simulate('two-prices', 'priority');
    const byCost = await simulate('two-prices', 'cost');
    expect(cost(byCost)).toBeLessThanOrEqual(cost(byPriority));
    expect(byCost.summary.vmHoursByGroup['cpu_a']).toBe(0);
  }, 300_000);

  it('refuses an unknown --routing (exit 2)', async () => {
    const run = await runIris(['simulate', '-c', CLUSTER, '--scenario', 'examples/scenarios/two-prices.yaml', '--routing', 'cheapest']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--routing must be one of priority, cost, availability, round_robin, least_waste');
  });
});
