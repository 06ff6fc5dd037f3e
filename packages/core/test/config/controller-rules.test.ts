import { describe, expect, it } from 'vitest';
import { type ConfigIssue } from '../../src/index.js';
import { ConfigError, DEFAULT_CONFIG, formatConfigIssue, loadClusterText } from '../../src/config/index.js';
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

describe('controller settings of the cluster file', () => {
  it('defaults every controller duration and limit from DEFAULT_CONFIG', async () => {
    const { config } = await loadClusterText(GROUP, 'cluster.yaml', LOAD);
    expect(config.controller).toMatchObject({
      worker_timeout: 60_000,
      max_wait: 10_000,
      tick: 1_000,
      login_code_ttl: 300_000,
      session_ttl: 7 * 24 * 3_600_000,
      limits: DEFAULT_CONFIG.controller.limits,
    });
    expect(DEFAULT_CONFIG.controller.limits).toMatchObject({
      max_starts_per_worker_per_pass: 4,
      max_starting_per_worker: 8,
      max_log_lines_per_attempt: 10_000,
      max_actions: 10_000,
      max_output_bytes: 1024 ** 3,
    });
  });

  it('loads durations and limits set in the file', async () => {
    const { config } = await loadClusterText(
      `controller:\n  tick: 2s\n  max_wait: 30s\n  session_ttl: 1d\n  login_code_ttl: 90s\n  limits: { max_actions: 123, max_starting_per_worker: 2 }\n${GROUP}`,
      'cluster.yaml',
      LOAD,
    );
    expect(config.controller).toMatchObject({ tick: 2_000, max_wait: 30_000, session_ttl: 86_400_000, login_code_ttl: 90_000 });
    expect(config.controller.limits).toMatchObject({ max_actions: 123, max_starting_per_worker: 2, max_starts_per_worker_per_pass: 4 });
  });

  it('refuses a 0 duration at its file:line:col', async () => {
    expect(await errorsOf(`controller:\n  tick: 0s\n  worker_timeout: 0\n${GROUP}`)).toEqual([
      'cluster.yaml:2:9 controller.tick: controller.tick must be above 0 (got 0ms): give a duration such as 10s',
      'cluster.yaml:3:19 controller.worker_timeout: controller.worker_timeout must be above 0 (got 0ms): give a duration such as 10s',
    ]);
  });

  it('refuses a count below 1 at its file:line:col', async () => {
    const errors = await errorsOf(`controller:\n  limits:\n    max_actions: 0\n${GROUP}`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^cluster\.yaml:3:18 controller\.limits\.max_actions: /);
  });
});
