import type { AutoscalerConfig, ScaleGroupConfig } from '@iris/core';
import { parseScenario, runSimulation, type SimulationResult } from '../../src/index.js';
import { testAutoscalerConfig, testScaleGroup } from '../../src/testing.js';

export const SIM_CONFIG: AutoscalerConfig = testAutoscalerConfig({
  evaluation_interval: 10_000,
  scale_up_delay: 30_000,
  scale_down_delay: 120_000,
  startup_grace: 600_000,
  heartbeat_grace: 60_000,
  requesting_timeout: 60_000,
});

export function groups(...list: ScaleGroupConfig[]): Record<string, ScaleGroupConfig> {
  return Object.fromEntries(list.map((g) => [g.name, g]));
}

export { testScaleGroup };

export async function simulate(
  scaleGroups: Record<string, ScaleGroupConfig>,
  scenario: unknown,
  config: AutoscalerConfig = SIM_CONFIG,
): Promise<SimulationResult> {
  return runSimulation({
    scaleGroups,
    autoscalerConfig: config,
    scenario: parseScenario(scenario),
    providerCreateRates: {},
    shortLivedSliceMs: 300_000,
    orphanMinAgeMs: 0,
    checkInvariants: true,
  });
}

export function actions(result: SimulationResult, type: string, group?: string) {
  return result.timeline.filter((e) => e.source === 'autoscaler' && e.type === type && (group === undefined || e.group === group));
}
