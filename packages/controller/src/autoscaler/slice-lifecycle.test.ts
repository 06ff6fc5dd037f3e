import { describe, expect, it } from 'vitest';
import { SLICE_STATES, SLICE_TRANSITIONS, canTransition, providerTarget, setSliceState, sliceStateFromStored, type SliceState } from './slice-lifecycle.js';

describe('slice lifecycle table', () => {
  it('walks the happy path requesting → booting → initializing → ready → draining → terminating → gone', () => {
    const slice = { state: 'requesting' as SliceState, requestId: 'r1' };
    for (const to of ['booting', 'initializing', 'ready', 'draining', 'terminating', 'gone'] as const) {
      expect(setSliceState(slice, to, 'test')).toBe(true);
    }
    expect(slice.state).toBe('gone');
  });

  it('refuses an illegal move with IRIS_SLICE_ILLEGAL_TRANSITION and leaves the state alone', () => {
    const slice = { state: 'terminating' as SliceState, requestId: 'r1', sliceId: 's1' };
    expect(() => setSliceState(slice, 'ready', 'test')).toThrow(
      expect.objectContaining({ code: 'IRIS_SLICE_ILLEGAL_TRANSITION', message: expect.stringContaining('slice s1 cannot move from terminating to ready') }),
    );
    expect(slice.state).toBe('terminating');
    expect(() => setSliceState({ state: 'gone', requestId: 'r' }, 'booting', 'x')).toThrow(/allowed from gone: nothing/);
  });

  it('treats staying in a state as a no-op, and lets every live state fail, be preempted or be terminated', () => {
    expect(setSliceState({ state: 'ready', requestId: 'r' }, 'ready', 'same')).toBe(false);
    for (const from of ['booting', 'initializing', 'ready', 'draining'] as const) {
      for (const to of ['failed', 'preempted', 'terminating'] as const) expect(canTransition(from, to)).toBe(true);
    }
    for (const state of SLICE_STATES) expect(SLICE_TRANSITIONS[state].includes('requesting')).toBe(false);
    expect(canTransition('ready', 'booting')).toBe(false);
    expect(canTransition('failed', 'ready')).toBe(false);
  });

  it('maps provider VM states: ready VMs are initializing until their workers register', () => {
    expect(providerTarget(['ready', 'ready'])).toBe('initializing');
    expect(providerTarget(['ready', 'booting'])).toBe('booting');
    expect(providerTarget(['ready', 'preempted'])).toBe('preempted');
    expect(providerTarget(['terminated'])).toBe('failed');
    expect(providerTarget([])).toBe('booting');
  });

  it('reads states stored by earlier versions', () => {
    expect(sliceStateFromStored('unknown')).toBe('booting');
    expect(sliceStateFromStored('terminated')).toBe('gone');
    expect(sliceStateFromStored('ready')).toBe('ready');
  });
});
