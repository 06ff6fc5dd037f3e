import { IrisError } from '@iris/core';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './context.js';
import { CliExit, usageError } from './exit-codes.js';
import { reportError } from './report-error.js';

function captureIo(env: Record<string, string> = {}): CliIo & { errText: () => string } {
  let err = '';
  return {
    out: () => undefined,
    err: (text) => (err += text),
    env,
    cwd: process.cwd(),
    errText: () => err,
  };
}

describe('reportError', () => {
  it('prints a coded error with its causes and exits 1, without a stack trace', () => {
    const io = captureIo();
    const code = reportError(new IrisError('IRIS_X', 'cannot do X; try Y', { cause: new Error('disk full') }), io);
    expect(code).toBe(1);
    expect(io.errText()).toBe('iris: cannot do X; try Y\n  caused by: disk full\n');
  });

  it('adds the stack trace with IRIS_DEBUG=1', () => {
    const io = captureIo({ IRIS_DEBUG: '1' });
    reportError(new IrisError('IRIS_X', 'boom'), io);
    expect(io.errText()).toMatch(/\n\s+at /);
  });

  it('marks an uncoded error as unexpected and says how to see more', () => {
    const io = captureIo();
    expect(reportError(new TypeError('x is undefined'), io)).toBe(1);
    expect(io.errText()).toContain('iris: unexpected error: x is undefined');
    expect(io.errText()).toContain('IRIS_DEBUG=1');
  });

  it('prints each config issue on its own line and exits 2', () => {
    const io = captureIo();
    const issue = { file: 'c.yaml', line: 3, column: 5, path: 'scale_groups.a', message: 'bad', severity: 'error' as const };
    const err = Object.assign(new IrisError('IRIS_CONFIG_INVALID', 'invalid'), { issues: [issue, { ...issue, line: 4 }] });
    expect(reportError(err, io)).toBe(2);
    expect(io.errText()).toBe('c.yaml:3:5 scale_groups.a: bad\nc.yaml:4:5 scale_groups.a: bad\n');
  });

  it('exits 2 on a usage error', () => {
    expect(reportError(usageError('give a file'), captureIo())).toBe(2);
  });

  it('prints nothing for CliExit and returns its code', () => {
    const io = captureIo();
    expect(reportError(new CliExit(2), io)).toBe(2);
    expect(io.errText()).toBe('');
  });

  it('survives a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const io = captureIo();
    reportError(Object.assign(b, { code: 'IRIS_Y' }), io);
    expect(io.errText().split('\n').length).toBeLessThan(10);
  });
});
