import { hasErrorCode } from '@iris/core';
import { describe, expect, it } from 'vitest';
import { parseScenario } from './scenario.js';

describe('parseScenario', () => {
  it('reads durations and sizes as people write them', () => {
    const s = parseScenario({
      name: 'x',
      seed: 3,
      duration: '1h30m',
      step: '10s',
      behaviour: { create_latency: '2s', boot: '1m' },
      jobs: [
        {
          id: 'j',
          at: '5m',
          tasks: 4,
          gang: true,
          duration: '20m',
          accelerator_type: 'tpu',
          accelerator_variant: 'v5litepod-16',
          resources: { ram: '64GB', accelerator_count: 4 },
        },
      ],
      faults: [
        { at: '10m', kind: 'fail_creates', group: 'g', error: 'rate_limited', retry_after: '30s' },
        { at: '20m', kind: 'restart' },
      ],
    });
    expect(s.durationMs).toBe(5_400_000);
    expect(s.behaviour).toEqual({ createLatencyMs: 2_000, bootMs: 60_000, initMs: 30_000, terminateLatencyMs: 5_000 });
    expect(s.jobs[0]).toMatchObject({ atMs: 300_000, durationMs: 1_200_000, resources: { ram: 64e9, accelerator_count: 4 } });
    expect(s.faults).toEqual([
      { atMs: 600_000, kind: 'fail_creates', group: 'g', error: 'rate_limited', count: 1, retryAfterMs: 30_000 },
      { atMs: 1_200_000, kind: 'restart' },
    ]);
  });

  it('reports every problem at once with its path', () => {
    let caught: unknown;
    try {
      parseScenario({
        duration: 'soon',
        jobs: [{ id: 'a', tasks: 0, accelerator_type: 'fpga' }, { id: 'a' }],
        faults: [{ kind: 'meteor' }, { kind: 'fail_creates', group: 'g', error: 'oops' }],
      });
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, 'IRIS_SCENARIO_INVALID')).toBe(true);
    const message = (caught as Error).message;
    for (const part of [
      'scenario.duration',
      'scenario.jobs[0].tasks',
      'scenario.jobs[0].accelerator_type',
      'duplicate job id "a"',
      'scenario.faults[0].kind',
      'scenario.faults[1].error',
    ]) {
      expect(message).toContain(part);
    }
  });
});
