import { describe, expect, it } from 'vitest';
import { SIM_CONFIG, actions, groups, simulate, testScaleGroup } from './sim-fixtures.js';

const TPU_JOB = { accelerator_type: 'tpu', accelerator_variant: 'v5litepod-4', resources: { accelerator_count: 4 } };

describe('simulated scenarios', () => {
  it('priority waterfall: the first group hits quota, demand falls to the next', async () => {
    const result = await simulate(
      groups(testScaleGroup('primary', { priority: 10, max_slices: 4 }), testScaleGroup('fallback', { priority: 20, max_slices: 4 })),
      {
        name: 'waterfall',
        seed: 11,
        duration: '20m',
        step: '5s',
        behaviour: { create_latency: '2s', boot: '30s', init: '10s', terminate_latency: '1s' },
        jobs: [{ id: 'train', at: '10s', tasks: 3, duration: '10m', ...TPU_JOB }],
        faults: [{ at: 0, kind: 'quota', group: 'primary' }],
      },
    );
    expect(result.violations).toEqual([]);
    expect(actions(result, 'quota_exceeded', 'primary').length).toBeGreaterThanOrEqual(1);
    expect(actions(result, 'scale_up_completed', 'primary')).toHaveLength(0);
    expect(actions(result, 'scale_up_completed', 'fallback').length).toBeGreaterThanOrEqual(3);
    const job = result.summary.jobs[0]!;
    expect(job.state).toBe('finished');
    // Quota answer, then fallback boots (2s + 30s + 10s); well inside two minutes.
    expect(job.timeToSatisfyMs).toBeLessThan(120_000);
    expect(result.summary.vmHoursByGroup['primary']).toBe(0);
    expect(result.summary.vmHoursByGroup['fallback']).toBeGreaterThan(0.5);
  });

  it('stockout in one zone: slices come up in the next zone', async () => {
    const result = await simulate(groups(testScaleGroup('tpu', { provider: { type: 'fake', zones: ['zone-a', 'zone-b'] }, max_slices: 3 })), {
      name: 'stockout',
      seed: 12,
      duration: '10m',
      step: '5s',
      behaviour: { create_latency: '2s', boot: '30s', init: '10s', terminate_latency: '1s' },
      jobs: [{ id: 'j', at: '5s', tasks: 2, duration: '5m', ...TPU_JOB }],
      faults: [{ at: 0, kind: 'stockout', zone: 'zone-a' }],
    });
    expect(result.violations).toEqual([]);
    const stockouts = actions(result, 'stockout', 'tpu');
    expect(stockouts.length).toBeGreaterThanOrEqual(1);
    expect(stockouts[0]!.detail).toContain('trying zone zone-b');
    expect(result.summary.jobs[0]!.state).toBe('finished');
    const completed = actions(result, 'scale_up');
    expect(completed.some((a) => a.detail.includes('zone-b'))).toBe(true);
  });

  it('preemption of a gang slice reschedules the whole gang on a new slice', async () => {
    const result = await simulate(groups(testScaleGroup('pod', { slice_size: 4, max_slices: 2, preemptible: true })), {
      name: 'gang-preempt',
      seed: 13,
      duration: '40m',
      step: '5s',
      behaviour: { create_latency: '2s', boot: '30s', init: '10s', terminate_latency: '1s' },
      jobs: [{ id: 'gang', at: 0, tasks: 4, gang: true, duration: '15m', ...TPU_JOB }],
      faults: [{ at: '5m', kind: 'preempt', group: 'pod', count: 1 }],
    });
    expect(result.violations).toEqual([]);
    const job = result.summary.jobs[0]!;
    expect(job.requeues).toBe(1);
    expect(job.state).toBe('finished');
    expect(actions(result, 'failed_cleanup', 'pod')).toHaveLength(1);
    expect(actions(result, 'scale_up_completed', 'pod').length).toBe(2);
    const requeues = result.timeline.filter((e) => e.type === 'requeued');
    expect(requeues.map((e) => e.detail)).toEqual(['gang: its slice was lost; back to pending']);
    // The gang ran whole: 4 tasks placed at once, twice.
    expect(result.timeline.filter((e) => e.type === 'placed').map((e) => e.detail)).toEqual(['4 task(s) started', '4 task(s) started']);
  });

  it('a boot that never finishes is reaped after startup_grace and replaced', async () => {
    const result = await simulate(groups(testScaleGroup('tpu', { max_slices: 2 })), {
      name: 'stuck-boot',
      seed: 14,
      duration: '30m',
      step: '10s',
      behaviour: { create_latency: '2s', boot: '30s', init: '10s', terminate_latency: '1s' },
      jobs: [{ id: 'j', at: 0, tasks: 1, duration: '5m', ...TPU_JOB }],
      faults: [{ at: 0, kind: 'stuck_boots', group: 'tpu', count: 1 }],
    });
    expect(result.violations).toEqual([]);
    const reaps = actions(result, 'liveness_reap', 'tpu');
    expect(reaps).toHaveLength(1);
    expect(reaps[0]!.detail).toContain('never registered');
    expect(reaps[0]!.atMs).toBeGreaterThanOrEqual(SIM_CONFIG.startup_grace);
    const job = result.summary.jobs[0]!;
    expect(job.state).toBe('finished');
    expect(job.timeToSatisfyMs).toBeGreaterThan(SIM_CONFIG.startup_grace);
    expect(result.summary.vmsLeftAtEnd).toBeLessThanOrEqual(1);
  });

  it('controller restart during scale-up: no duplicate slice, no leak', async () => {
    const result = await simulate(groups(testScaleGroup('tpu', { max_slices: 4 })), {
      name: 'restart',
      seed: 15,
      duration: '15m',
      step: '1s',
      behaviour: { create_latency: '30s', boot: '30s', init: '10s', terminate_latency: '1s' },
      jobs: [{ id: 'j', at: 0, tasks: 2, duration: '5m', ...TPU_JOB }],
      faults: [{ at: '10s', kind: 'restart' }],
    });
    expect(result.violations).toEqual([]);
    expect(result.timeline.some((e) => e.type === 'controller_restart')).toBe(true);
    expect(actions(result, 'adopt', 'tpu')).toHaveLength(2);
    // Two tasks, two slices: the restarted controller adopted the in-flight ones instead of asking again.
    expect(actions(result, 'scale_up', 'tpu')).toHaveLength(2);
    expect(result.summary.slicesOverTime.filter((s) => s.group === 'tpu').every((s) => s.slices <= 2)).toBe(true);
    expect(result.summary.jobs[0]!.state).toBe('finished');
  });

  it('is deterministic: same scenario and seed, same timeline', async () => {
    const scenario = {
      name: 'det',
      seed: 99,
      duration: '10m',
      step: '5s',
      jobs: [{ id: 'a', at: 0, tasks: 3, duration: '2m', ...TPU_JOB }],
      faults: [
        { at: '30s', kind: 'fail_creates', group: 'tpu', error: 'transient', count: 2 },
        { at: '2m', kind: 'preempt', group: 'tpu', count: 1 },
      ],
    };
    const g = groups(testScaleGroup('tpu'));
    const a = await simulate(g, scenario);
    const b = await simulate(g, scenario);
    expect(a.timeline).toEqual(b.timeline);
    expect(a.summary).toEqual(b.summary);
  });

  it('reports unmet demand with its reason in the summary', async () => {
    const result = await simulate(groups(testScaleGroup('tpu')), {
      name: 'unmet',
      seed: 1,
      duration: '1m',
      step: '10s',
      jobs: [{ id: 'gpu-job', at: 0, tasks: 1, accelerator_type: 'gpu', accelerator_variant: 'h100' }],
    });
    expect(result.violations).toEqual([]);
    expect(result.summary.waiting).toEqual([{ entryIds: ['gpu-job/0'], outcome: 'unmet', reason: expect.stringContaining('no_matching_group') }]);
    expect(result.summary.jobs[0]!.state).toBe('pending');
  });
});
