import { describe, expect, it } from 'vitest';
import { type ConfigIssue } from '../../src/index.js';
import { ConfigError, DEFAULT_CONFIG, formatConfigIssue, loadClusterText } from '../../src/config/index.js';
import { DEFAULT_MAX_RETRIES_FAILURE, DEFAULT_MAX_RETRIES_PREEMPTION } from '../../src/api/index.js';
import { LOAD } from '../helpers/test-providers.js';

async function errorsOf(text: string): Promise<string[]> {
  try {
    await loadClusterText(text, 'cluster.yaml', LOAD);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.filter((i: ConfigIssue) => i.severity === 'error').map(formatConfigIssue);
  }
  throw new Error('expected a ConfigError');
}

const GROUP = 'provider: { type: local }\nscale_groups:\n  g: { resources: { cpu: 1, ram: 1GB } }\n';

describe('autoscaler settings checked at load time', () => {
  it('refuses a 0 interval or timeout, at its file:line:col', async () => {
    expect(await errorsOf(`defaults:\n  autoscaler:\n    evaluation_interval: 0s\n    requesting_timeout: 0\n${GROUP}`)).toEqual([
      'cluster.yaml:3:26 defaults.autoscaler.evaluation_interval: evaluation_interval must be above 0 (got 0ms): give a duration such as 10s',
      'cluster.yaml:4:25 defaults.autoscaler.requesting_timeout: requesting_timeout must be above 0 (got 0ms): give a duration such as 10s',
    ]);
  });

  it('refuses backoff_initial above backoff_max, even when one of them is the default', async () => {
    expect(await errorsOf(`defaults:\n  autoscaler:\n    backoff_initial: 10m\n${GROUP}`)).toEqual([
      'cluster.yaml:3:22 defaults.autoscaler.backoff_initial: backoff_initial (600000ms) is above backoff_max (300000ms); lower backoff_initial or raise backoff_max',
    ]);
  });

  it('loads routing, limits, pools, costs and job defaults', async () => {
    const { config } = await loadClusterText(
      `defaults:\n  autoscaler: { routing: cost, max_slices_total: 8, max_cost_per_hour: 12.5, scale_down_cooldown: 2m, backoff_factor: 3 }\n  job: { cpu: 0.5, memory: 1GiB, scheduling_timeout: 0 }\nprovider: { type: local }\nscale_groups:\n  g: { resources: { cpu: 1, ram: 1GB }, pool: spot, cost_per_hour: 1.5 }\n`,
      'cluster.yaml',
      LOAD,
    );
    expect(config.defaults.autoscaler).toMatchObject({
      routing: 'cost',
      max_slices_total: 8,
      max_cost_per_hour: 12.5,
      scale_down_cooldown: 120_000,
      backoff_factor: 3,
    });
    expect(config.defaults.job).toMatchObject({ cpu: 0.5, memory: 2 ** 30, disk: 0, scheduling_timeout: 0 });
    expect(config.scale_groups['g']).toMatchObject({ pool: 'spot', cost_per_hour: 1.5 });
  });

  it('ships jobs with 1 CPU and 2 GiB, like the Python original', () => {
    expect(DEFAULT_CONFIG.defaults.job).toMatchObject({ cpu: 1, memory: 2 * 2 ** 30, disk: 0, scheduling_timeout: 3_600_000 });
    expect(DEFAULT_CONFIG.defaults.autoscaler.routing).toBe('priority');
  });

  it('keeps the retry budgets of API clients that send none equal to defaults.job', () => {
    expect(DEFAULT_CONFIG.defaults.job.max_retries_failure).toBe(DEFAULT_MAX_RETRIES_FAILURE);
    expect(DEFAULT_CONFIG.defaults.job.max_retries_preemption).toBe(DEFAULT_MAX_RETRIES_PREEMPTION);
  });
});
