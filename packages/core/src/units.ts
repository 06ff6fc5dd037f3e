/**
 * Durations and sizes as people write them in a cluster file. The resolved config holds integers
 * (milliseconds, bytes) so that it is itself a valid cluster file and needs no parsing downstream.
 */

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** One or more `<number><unit>` parts, largest first by convention: `1h30m`, `500ms`, `1.5s`. */
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
/** The same grammar as a JSON Schema pattern, so editors and the loader agree. */
export const DURATION_PATTERN = '^(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d))+$';

const SIZE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  PB: 1e15,
  KIB: 2 ** 10,
  MIB: 2 ** 20,
  GIB: 2 ** 30,
  TIB: 2 ** 40,
  PIB: 2 ** 50,
};
const SIZE_TEXT = /^(\d+(?:\.\d+)?)\s*([KMGTP]i?B|B)$/i;
export const SIZE_PATTERN = '^\\d+(?:\\.\\d+)?\\s*(?:[KMGTPkmgtp][Ii]?[Bb]|[Bb])$';

export const DURATION_EXAMPLES = 'e.g. 500ms, 30s, 5m, 1h30m, or integer milliseconds';
export const SIZE_EXAMPLES = 'e.g. 64GB, 512MiB, 1TB, or integer bytes';

/** Thrown by the parsers; the loader turns it into a positioned config issue. */
export class UnitParseError extends Error {
  readonly code = 'IRIS_UNIT_INVALID';
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
}

/**
 * Milliseconds from `"500ms"`, `"30s"`, `"5m"`, `"1h30m"`, an integer number of milliseconds, or the
 * legacy Python form `{milliseconds: N}`.
 */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return value;
    throw new UnitParseError(`invalid duration ${describe(value)}: a number must be whole, non-negative milliseconds (${DURATION_EXAMPLES})`);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const ms = (value as { milliseconds?: unknown }).milliseconds;
    if (keys.length === 1 && keys[0] === 'milliseconds' && typeof ms === 'number') return parseDuration(ms);
    throw new UnitParseError(`invalid duration ${describe(value)}: expected a string or number (${DURATION_EXAMPLES})`);
  }
  if (typeof value !== 'string') throw new UnitParseError(`invalid duration ${describe(value)} (${DURATION_EXAMPLES})`);
  const text = value.trim();
  if (text === '') throw new UnitParseError(`invalid duration "": empty (${DURATION_EXAMPLES})`);
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const match = DURATION_PART.exec(text);
    if (!match) throw new UnitParseError(`invalid duration ${describe(value)} (${DURATION_EXAMPLES})`);
    total += Number(match[1]) * (DURATION_UNITS_MS[match[2] as string] as number);
  }
  if (!Number.isFinite(total)) throw new UnitParseError(`invalid duration ${describe(value)}: too large`);
  return Math.round(total);
}

/** Bytes from `"64GB"` (10^9), `"512MiB"` (2^20), `"1TB"`, or an integer number of bytes. */
export function parseSize(value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return value;
    throw new UnitParseError(`invalid size ${describe(value)}: a number must be whole, non-negative bytes (${SIZE_EXAMPLES})`);
  }
  if (typeof value !== 'string') throw new UnitParseError(`invalid size ${describe(value)} (${SIZE_EXAMPLES})`);
  const match = SIZE_TEXT.exec(value.trim());
  if (!match) throw new UnitParseError(`invalid size ${describe(value)} (${SIZE_EXAMPLES})`);
  const bytes = Number(match[1]) * (SIZE_UNITS[(match[2] as string).toUpperCase()] as number);
  if (!Number.isFinite(bytes)) throw new UnitParseError(`invalid size ${describe(value)}: too large`);
  return Math.round(bytes);
}

/** The shortest exact text for `ms`: 90_000 → "1m30s", 1_500 → "1500ms", 0 → "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new UnitParseError(`cannot format duration ${ms}: expected whole, non-negative milliseconds`);
  if (ms === 0) return '0s';
  if (ms % 1_000 !== 0) return `${ms}ms`;
  let rest = ms;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = DURATION_UNITS_MS[unit] as number;
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/** The largest unit that states `bytes` exactly, binary units first: 2^30 → "1GiB", 64e9 → "64GB". */
export function formatSize(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 0) throw new UnitParseError(`cannot format size ${bytes}: expected whole, non-negative bytes`);
  if (bytes === 0) return '0B';
  const candidates: Array<[string, number]> = [
    ['PiB', 2 ** 50],
    ['PB', 1e15],
    ['TiB', 2 ** 40],
    ['TB', 1e12],
    ['GiB', 2 ** 30],
    ['GB', 1e9],
    ['MiB', 2 ** 20],
    ['MB', 1e6],
    ['KiB', 2 ** 10],
    ['KB', 1e3],
  ];
  for (const [unit, size] of candidates) if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  return `${bytes}B`;
}

/**
 * A duration for people, Go style: `450ms`, `59s`, `5m0s`, `1h2m3s`, `2d3h`. Rounded to whole
 * seconds once past one, so a person never reads a raw millisecond count (`idle for 5m0s`, not
 * `idle for 300463ms`); JSON output keeps the `_ms` numbers.
 */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '0s';
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  let s = Math.round(ms / 1_000);
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3_600);
  s -= h * 3_600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
