import { describe, expect, it } from 'vitest';
import type { Command, Option } from 'commander';
import { buildProgram, runProgram } from '../src/program.js';
import type { CliIo } from '../src/context.js';

function capture(): CliIo & { text: () => string } {
  let err = '';
  return { out: () => undefined, err: (t) => void (err += t), env: { HOME: '/nonexistent-iris-test-home' }, cwd: process.cwd(), text: () => err };
}

/** Every runnable command: `['job', 'run']`, `['status']`, ... with its options. */
function leaves(cmd: Command, path: string[] = []): { path: string[]; options: readonly Option[] }[] {
  const subs = cmd.commands as Command[];
  if (subs.length === 0) return [{ path, options: cmd.options }];
  return subs.flatMap((c) => leaves(c, [...path, c.name()]));
}

const all = leaves(buildProgram(capture(), '0.0.0'));

describe('bad flags: every command exits 2 and names the flag', () => {
  it('walks every command of the program', () => {
    expect(all.map((l) => l.path.join(' '))).toEqual(expect.arrayContaining(['job run', 'worker', 'status', 'controller serve', 'job download']));
  });

  it.each(all.map((l) => [l.path.join(' '), l] as const))('%s: an unknown flag', async (_name, leaf) => {
    const io = capture();
    expect(await runProgram([...leaf.path, '--no-such-flag'], io, '0.0.0')).toBe(2);
    // A command with a required option says that one is missing first; either way a flag is named.
    expect(io.text()).toMatch(/--no-such-flag|required option '[^']*--/);
  });

  const valued = all.flatMap((l) =>
    l.options
      .filter((o) => (o as Option & { parseArg?: unknown }).parseArg !== undefined && o.long)
      .map((o) => [`${l.path.join(' ')} ${o.long}`, l.path, o.long!] as const),
  );

  it.each(valued)('%s: a bad value', async (_name, path, long) => {
    const io = capture();
    expect(await runProgram([...path, long, 'bogus-value'], io, '0.0.0')).toBe(2);
    expect(io.text()).toContain(long);
  });

  it('checks the values of the flags users named in the papercuts', async () => {
    for (const argv of [
      ['worker', '--cpu', '-1'],
      ['worker', '--memory', 'lots'],
      ['job', 'run', '--replicas', '0', '--', 'true'],
      ['job', 'run', '--timeout', 'soon', '--', 'true'],
      ['controller', 'serve', '--state-dir', '/nonexistent', '--port', '70000'],
    ]) {
      const io = capture();
      expect(await runProgram(argv, io, '0.0.0'), argv.join(' ')).toBe(2);
      expect(io.text(), argv.join(' ')).toContain(argv.find((a) => a.startsWith('--') && a !== '--state-dir')!);
    }
  });
});
