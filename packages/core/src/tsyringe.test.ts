import { container, inject, injectable } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { FakeClock, type Clock } from './clock.js';

// A token of the test's own: the decorators and the child container are what is under test.
const CLOCK = 'test:Clock';

@injectable()
class NeedsClock {
  constructor(@inject(CLOCK) readonly clock: Clock) {}
}

describe('tsyringe under vitest', () => {
  it('injects by token in a child container', () => {
    const child = container.createChildContainer();
    const clock = new FakeClock(42);
    child.registerInstance(CLOCK, clock);
    expect(child.resolve(NeedsClock).clock.now()).toBe(42);
  });
});
