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

  it('queues a named reservation (by its full name, in its zone); plain reserved capacity is a direct create', () => {
    const block = { ...plain, project_id: 'p', zones: ['europe-west4-b'] };
    expect(resolveCapacity({ ...block, capacity: 'reserved', reservation: 'r1' }, onDemandGroup)).toEqual({
      capacity: 'reserved',
      queuedResource: true,
      reservation: 'projects/p/locations/europe-west4-b/reservations/r1',
      reservationZone: 'europe-west4-b',
    });
    const full = 'projects/q/zones/europe-west4-a/reservations/r2';
    expect(resolveCapacity({ ...block, zones: ['europe-west4-b', 'europe-west4-a'], capacity: 'reserved', reservation: full }, onDemandGroup)).toMatchObject({
      reservation: 'projects/q/locations/europe-west4-a/reservations/r2',
      reservationZone: 'europe-west4-a',
    });
    expect(resolveCapacity({ ...block, capacity: 'reserved' }, onDemandGroup)).toEqual({ capacity: 'reserved', queuedResource: false });
    expect(resolveCapacity({ queued_resource: true, capacity: 'spot' }, onDemandGroup).queuedResource).toBe(true);
  });

  it('refuses a reservation it cannot place in one zone of the group', () => {
    const reserved = { ...plain, project_id: 'p', capacity: 'reserved' as const };
    expect(() => resolveCapacity({ ...reserved, zones: ['a-1', 'b-1'], reservation: 'r1' }, onDemandGroup)).toThrow(/zonal, but the group lists 2 zones/);
    expect(() => resolveCapacity({ ...reserved, zones: ['a-1'], reservation: 'projects/p/locations/b-1/reservations/r1' }, onDemandGroup)).toThrow(
      /in zone b-1, which is not one of the group's zones \(a-1\)/,
    );
    expect(() => resolveCapacity({ ...reserved, zones: ['a-1'], reservation: 'Bad_Name' }, onDemandGroup)).toThrow(/neither a reservation name/);
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
