import { container, inject, injectable } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { FakeClock, type Clock } from './clock.js';
import { TOKENS } from './tokens.js';

@injectable()
class NeedsClock {
  constructor(@inject(TOKENS.clock) readonly clock: Clock) {}
}

describe('tsyringe under vitest', () => {
  it('injects by token in a child container', () => {
    const child = container.createChildContainer();
    const clock = new FakeClock(42);
    child.registerInstance(TOKENS.clock, clock);
    expect(child.resolve(NeedsClock).clock.now()).toBe(42);
  });
});
