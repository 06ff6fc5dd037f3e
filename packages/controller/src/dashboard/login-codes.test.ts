import { FakeClock } from '@iris/core';
import { describe, expect, it } from 'vitest';
import { LoginCodes } from './login-codes.js';

describe('LoginCodes', () => {
  it('accepts a code once', () => {
    const codes = new LoginCodes(new FakeClock(1_000), 60_000);
    const { code, expiresAtMs } = codes.mint();
    expect(expiresAtMs).toBe(61_000);
    expect(code).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(codes.consume(code)).toBe(true);
    expect(codes.consume(code)).toBe(false);
  });

  it('refuses an unknown code and an expired one', async () => {
    const clock = new FakeClock(0);
    const codes = new LoginCodes(clock, 60_000);
    const { code } = codes.mint();
    expect(codes.consume('not-a-code')).toBe(false);
    expect(codes.consume(code.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')))).toBe(false);
    await clock.advance(60_000);
    expect(codes.consume(code)).toBe(false);
    expect(codes.size).toBe(0);
  });

  it('keeps at most maxLive codes, dropping the oldest', () => {
    const codes = new LoginCodes(new FakeClock(0), 60_000, 3);
    const first = codes.mint().code;
    const rest = [codes.mint().code, codes.mint().code, codes.mint().code];
    expect(codes.size).toBe(3);
    expect(codes.consume(first)).toBe(false);
    for (const c of rest) expect(codes.consume(c)).toBe(true);
  });
});
