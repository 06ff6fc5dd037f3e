import { describe, expect, it } from 'vitest';
import { VM_STATES } from '@iris/core';
import { mapTpuState, TPU_NODE_STATE_NAMES, TPU_STATE_MAP, tpuStateName } from './tpu-state.js';

describe('TPU node state table', () => {
  it.each([
    ['STATE_UNSPECIFIED', 'unknown'],
    ['CREATING', 'booting'],
    ['READY', 'ready'],
    ['RESTARTING', 'booting'],
    ['REIMAGING', 'booting'],
    ['DELETING', 'terminating'],
    ['REPAIRING', 'initializing'],
    ['STOPPED', 'terminated'],
    ['STOPPING', 'terminating'],
    ['STARTING', 'booting'],
    ['PREEMPTED', 'preempted'],
    ['TERMINATED', 'terminated'],
    ['HIDING', 'terminating'],
    ['HIDDEN', 'terminated'],
    ['UNHIDING', 'booting'],
  ])('%s maps to %s', (raw, state) => {
    expect(mapTpuState(raw)).toBe(state);
  });

  it('covers every enum value with a valid VmState', () => {
    for (const name of TPU_NODE_STATE_NAMES) expect(VM_STATES).toContain(TPU_STATE_MAP[name]);
  });

  it('reads enum numbers as long-running-operation results carry them', () => {
    expect(tpuStateName(2)).toBe('READY');
    expect(mapTpuState(10)).toBe('preempted');
    expect(mapTpuState(1)).toBe('booting');
  });

  it('treats a state it does not know, or none, as unknown', () => {
    expect(mapTpuState('SOMETHING_NEW')).toBe('unknown');
    expect(mapTpuState(99)).toBe('unknown');
    expect(tpuStateName(99)).toBe('STATE_99');
    expect(mapTpuState(undefined)).toBe('unknown');
    expect(tpuStateName('')).toBe('STATE_UNSPECIFIED');
  });
});
