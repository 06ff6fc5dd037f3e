import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { runIris } from './run-iris.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

describe('iris --version', () => {
  it.each(['--version', '-V'])('prints the package version with %s and exits 0', async (flag) => {
    const run = await runIris([flag]);
    expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('iris --help', () => {
  it('lists every command with a one-line description', async () => {
    const run = await runIris(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: iris /);
    for (const command of ['config', 'schema', 'providers']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b.*\\s{2,}\\S`, 'm'));
    }
  });

  it('describes a command group and its subcommands', async () => {
    const run = await runIris(['config', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/validate .*<file>/);
    expect(run.stdout).toMatch(/migrate .*<file>/);
  });
});

describe('bad usage', () => {
  it('exits 2 with a suggestion and a hint on an unknown command', async () => {
    const run = await runIris(['confg', 'validate', 'x.yaml']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("unknown command 'confg'");
    expect(run.stderr).toContain('Did you mean config?');
    expect(run.stderr).toContain("run 'iris --help' for usage");
  });

  it('exits 2 on an unknown option', async () => {
    const run = await runIris(['providers', '--jsn']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--jsn'");
    expect(run.stderr).toContain('Did you mean --json?');
  });

  it('exits 2 when a required argument is missing', async () => {
    const run = await runIris(['config', 'validate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("missing required argument 'file'");
  });

  it('exits 2 and shows the help when no command is given', async () => {
    const run = await runIris([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Usage: iris /);
  });
});

describe('a malformed token', () => {
  it('is refused before any call, naming where it came from and never echoing it', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'iris-badtoken-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'secret-part other-part\n');
    // Nothing listens at this address: the token is refused before the CLI tries to connect.
    const fromFile = await runIris(['job', 'list', '--controller', 'http://127.0.0.1:9', '--token-file', file], { env: { HOME: dir } });
    expect(fromFile.code).not.toBe(0);
    expect(fromFile.stderr).toContain(`the token file ${file} holds whitespace or non-printable bytes`);
    expect(fromFile.stderr).not.toContain('secret-part');
    const fromEnv = await runIris(['job', 'list', '--controller', 'http://127.0.0.1:9'], { env: { HOME: dir, IRIS_TOKEN: 'secret-part\u0001' } });
    expect(fromEnv.code).not.toBe(0);
    expect(fromEnv.stderr).toContain('IRIS_TOKEN holds whitespace or non-printable bytes');
    expect(fromEnv.stderr).not.toContain('secret-part');
  });
});
