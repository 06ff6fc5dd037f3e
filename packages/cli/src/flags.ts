import { InvalidArgumentError } from 'commander';
import { parseDuration, parseSize } from '@iris/core';

/**
 * The parsers of every command's option values. Each is given to commander (`.option(flags,
 * help, parser)`), so a bad value stops the command before it runs, with the flag named and exit
 * 2 (commander reports "option '--cpu <n>' argument '-1' is invalid. …"). One set for all commands,
 * so `--memory 4GB` means the same to `iris job run` and `iris worker`.
 */
export const flag = {
  /** A whole number ≥ `min`. */
  count:
    (min: number) =>
    (value: string): number => {
      if (!/^[0-9]{1,9}$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}.`);
      return Number(value);
    },
  /** A number ≥ 0 (fractions allowed), e.g. CPUs. */
  nonNegative(value: string): number {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number ≥ 0, e.g. 2 or 0.5.');
    return n;
  },
  /** A number > 0. */
  positive(value: string): number {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number > 0, e.g. 4 or 0.5.');
    return n;
  },
  /** A size in bytes: `4GB`, `512MiB` or a whole number of bytes. */
  size(value: string): number {
    try {
      return parseSize(/^[0-9]+$/.test(value) ? Number(value) : value);
    } catch {
      throw new InvalidArgumentError('expected a size such as 4GB, 512MiB or a whole number of bytes.');
    }
  },
  /** A duration in ms: `30s`, `5m`, `1h30m` or a whole number of milliseconds. */
  duration(value: string): number {
    try {
      return parseDuration(/^[0-9]+$/.test(value) ? Number(value) : value);
    } catch {
      throw new InvalidArgumentError('expected a duration such as 30s, 5m, 1h30m or a whole number of milliseconds.');
    }
  },
  /** A TCP port, 0 for a free one. */
  port(value: string): number {
    if (!/^[0-9]{1,5}$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('expected a port from 0 to 65535.');
    return Number(value);
  },
  /** One of a fixed set of words. */
  oneOf:
    <const T extends string>(choices: readonly T[]) =>
    (value: string): T => {
      if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected ${choices.join(' or ')}.`);
      return value as T;
    },
  /** `KEY=VALUE`, collected into a list (repeatable). */
  keyValue(value: string, previous: string[] = []): string[] {
    if (value.indexOf('=') <= 0) throw new InvalidArgumentError('expected KEY=VALUE.');
    return [...previous, value];
  },
};
