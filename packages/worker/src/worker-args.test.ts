import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@iris/core';
import { parseWorkerArgs, WORKER_USAGE, WORKER_USAGE_ERROR } from './worker-args.js';
import { resolveWorkerId } from './worker-identity.js';

describe('parseWorkerArgs', () => {
  it('reads every flag', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iris-args-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'abc123\n', { mode: 0o600 });
    const options = parseWorkerArgs(
      [
        '--controller',
        'http://c:1',
        '--attribute',
        'a=1',
        '--attribute',
        'b=2',
        '--token-file',
        tokenFile,
        '--work-dir',
        '/w',
        '--worker-id',
        'w9',
        '--runtime',
        'docker',
        '--docker-image',
        'img:1',
      ],
      { IRIS_TOKEN: 'ignored' },
    );
    expect(options).toEqual({
      controllerUrl: 'http://c:1',
      runtime: 'docker',
      attributes: ['a=1', 'b=2'],
      token: 'abc123',
      workDir: '/w',
      workerId: 'w9',
      dockerImage: 'img:1',
    });
  });

  it('reads the resources a worker offers when it shares the machine', () => {
    expect(parseWorkerArgs(['--controller', 'http://c:1', '--cpu', '2', '--memory', '512MiB'], {}).resources).toEqual({
      cpu: 2,
      memoryBytes: 512 * 2 ** 20,
    });
    expect(parseWorkerArgs(['--controller', 'http://c:1', '--memory', '1000'], {}).resources).toEqual({ memoryBytes: 1000 });
    expect(parseWorkerArgs(['--controller', 'http://c:1'], {}).resources).toBeUndefined();
  });

  it('refuses a bad --cpu or --memory with a usage error naming the flag', () => {
    for (const args of [
      ['--cpu', '0'],
      ['--cpu', 'lots'],
      ['--memory', '12 parsecs'],
    ]) {
      let caught: unknown;
      try {
        parseWorkerArgs(['--controller', 'http://c:1', ...args], {});
      } catch (err) {
        caught = err;
      }
      expect(hasErrorCode(caught, WORKER_USAGE_ERROR)).toBe(true);
      expect((caught as Error).message).toContain(args[0]);
    }
  });

  it('takes the token from IRIS_TOKEN and the controller from IRIS_CONTROLLER', () => {
    expect(parseWorkerArgs([], { IRIS_TOKEN: 't', IRIS_CONTROLLER: 'http://x:2' })).toMatchObject({
      token: 't',
      controllerUrl: 'http://x:2',
      runtime: 'process',
    });
  });

  it.each([
    ['abc def\n', /whitespace or non-printable/],
    ['tok\u0000\u0001en', /whitespace or non-printable/],
    ['   \n', /is empty/],
  ])('refuses a malformed token file %j without echoing it', (content, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'iris-token-'));
    const file = join(dir, 'token');
    writeFileSync(file, content);
    let err: unknown;
    try {
      parseWorkerArgs(['--controller', 'u', '--token-file', file], {});
    } catch (e) {
      err = e;
    }
    expect(hasErrorCode(err, WORKER_USAGE_ERROR)).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).not.toContain('abc def');
  });

  it('says in its usage that IRIS_TOKEN holds the token itself, not a path', () => {
    expect(WORKER_USAGE).toMatch(/IRIS_TOKEN holds the token itself/);
  });

  it.each([
    [[], /--controller URL is required/],
    [['--controller', 'u', '--bogus'], /bogus/],
    [['--controller', 'u', '--runtime', 'vm'], /--runtime must be/],
    [['--controller', 'u', '--token-file', '/no/such/file'], /--token-file \/no\/such\/file/],
  ])('rejects %j with a usage error', (argv, message) => {
    let err: unknown;
    try {
      parseWorkerArgs(argv, {});
    } catch (e) {
      err = e;
    }
    expect(hasErrorCode(err, WORKER_USAGE_ERROR)).toBe(true);
    expect((err as Error).message).toMatch(message);
  });
});

describe('resolveWorkerId', () => {
  it('prefers the explicit id, then IRIS_VM_ADDRESS, then an id saved in the work dir', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iris-id-'));
    expect(resolveWorkerId({ explicit: 'x', env: { IRIS_VM_ADDRESS: '1.2.3.4' }, workDir: dir, hostname: 'h' })).toBe('x');
    expect(resolveWorkerId({ env: { IRIS_VM_ADDRESS: '1.2.3.4' }, workDir: dir, hostname: 'h' })).toBe('1.2.3.4');
    const first = resolveWorkerId({ env: {}, workDir: dir, hostname: 'h' });
    expect(first).toMatch(/^h-[0-9a-f]{6}$/);
    expect(resolveWorkerId({ env: {}, workDir: dir, hostname: 'other' })).toBe(first);
  });
});
