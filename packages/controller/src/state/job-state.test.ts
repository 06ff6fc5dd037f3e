import { describe, expect, it } from 'vitest';
import { deriveJobState } from './job-state.js';
import { emptyCounts } from './model.js';

describe('deriveJobState', () => {
  const counts = (over: Partial<ReturnType<typeof emptyCounts>>) => ({ ...emptyCounts(), ...over });
  it.each([
    [counts({ PENDING: 3 }), 'PENDING'],
    [counts({ PENDING: 2, RUNNING: 1 }), 'RUNNING'],
    [counts({ PENDING: 2, SUCCEEDED: 1 }), 'RUNNING'],
    [counts({ SUCCEEDED: 3 }), 'SUCCEEDED'],
    [counts({ SUCCEEDED: 2, FAILED: 1 }), 'FAILED'],
    [counts({ RUNNING: 2, WORKER_FAILED: 1 }), 'WORKER_FAILED'],
    [counts({ PENDING: 2, UNSCHEDULABLE: 1 }), 'UNSCHEDULABLE'],
    [counts({ RUNNING: 2, KILLED: 1 }), 'KILLED'],
    [counts({ KILLED: 1, FAILED: 1, SUCCEEDED: 1 }), 'FAILED'],
  ] as const)('%j → %s', (c, expected) => {
    expect(deriveJobState(c, 3)).toBe(expected);
  });
});
