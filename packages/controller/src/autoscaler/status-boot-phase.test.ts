import { describe, expect, it } from 'vitest';
import { explainGroup, type GroupStatus, type SliceStatus } from './status.js';

const slice = (sliceId: string, state: SliceStatus['state'], phases: (string | undefined)[]): SliceStatus => ({
  sliceId,
  requestId: `r-${sliceId}`,
  state,
  createdAtMs: 0,
  livenessDeadlineMs: 0,
  vms: phases.map((p, i) => ({ vmId: `${sliceId}-w-${i}`, address: '', state: 'ready', ...(p === undefined ? {} : { initPhase: p }) })),
});

const group = (slices: SliceStatus[]): GroupStatus => ({
  name: 'tpu',
  providerType: 'gcp',
  priority: 100,
  heldBack: 0,
  availability: 'available',
  availabilityDetail: 'ok',
  minSlices: 0,
  maxSlices: 2,
  sliceSize: 4,
  counts: { requesting: 0, booting: 0, initializing: 1, ready: 1, idle: 1, terminating: 0, total: 2 },
  demand: 0,
  consecutiveFailures: 0,
  stockouts: [],
  lastDecision: 'nothing to do',
  slices,
});

describe('explainGroup', () => {
  it('says which boot phase the VMs of a slice that is not ready yet report', () => {
    const why = explainGroup(
      group([slice('a', 'initializing', ['docker_pull', 'worker_start', 'docker_pull', undefined]), slice('b', 'ready', ['registration', 'registration'])]),
      [],
    ).why;
    expect(why).toContain('slice a (initializing): boot phase docker_pull on 2/4 VM(s), worker_start on 1/4 VM(s)');
    expect(why.some((w) => w.startsWith('slice b'))).toBe(false);
  });
});
