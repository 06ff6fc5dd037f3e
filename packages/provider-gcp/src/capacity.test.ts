import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@iris/core';
import { GCP_CONFIG_CONFLICT, resolveCapacity } from './capacity.js';

const plain = { queued_resource: false };
const onDemandGroup = { name: 'tpu', preemptible: false };
const preemptibleGroup = { name: 'tpu', preemptible: true };

describe('resolveCapacity', () => {
  it('follows the group flag when the block names no capacity', () => {
    expect(resolveCapacity(plain, onDemandGroup)).toEqual({ capacity: 'on_demand', queuedResource: false });
    expect(resolveCapacity(plain, preemptibleGroup)).toEqual({ capacity: 'preemptible', queuedResource: false });
  });

  it('lets an explicit capacity win where it agrees with the flag', () => {
    expect(resolveCapacity({ ...plain, capacity: 'spot' }, preemptibleGroup).capacity).toBe('spot');
    expect(resolveCapacity({ ...plain, capacity: 'spot' }, onDemandGroup).capacity).toBe('spot');
    expect(resolveCapacity({ ...plain, capacity: 'preemptible' }, onDemandGroup).capacity).toBe('preemptible');
  });

  it('always queues reserved capacity and carries the reservation', () => {
    expect(resolveCapacity({ ...plain, capacity: 'reserved', reservation: 'r1' }, onDemandGroup)).toEqual({
      capacity: 'reserved',
      queuedResource: true,
      reservation: 'r1',
    });
    expect(resolveCapacity({ queued_resource: true, capacity: 'spot' }, onDemandGroup).queuedResource).toBe(true);
  });

  it('refuses a preemptible group on on-demand or reserved capacity', () => {
    for (const capacity of ['on_demand', 'reserved'] as const) {
      let caught: unknown;
      try {
        resolveCapacity({ ...plain, capacity }, preemptibleGroup);
      } catch (err) {
        caught = err;
      }
      expect(hasErrorCode(caught, GCP_CONFIG_CONFLICT)).toBe(true);
      expect((caught as Error).message).toContain(`scale_groups.tpu`);
      expect((caught as Error).message).toContain(capacity);
    }
  });

  it('refuses a reservation without reserved capacity', () => {
    expect(() => resolveCapacity({ ...plain, reservation: 'r1' }, onDemandGroup)).toThrow(/provider\.reservation is set but capacity is "on_demand"/);
  });
});
