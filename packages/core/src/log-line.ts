/** How daemons write their log lines: `json` (one object per line, for machines) or `text` (for people). */
export const LOG_FORMATS = ['json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * One log line in the chosen format, newline included. `text` reads
 * `2026-11-29T17:05:00.000Z INFO  controller serving url=http://127.0.0.1:4000 jobs=3`; values with
 * spaces are quoted. Both carry the same fields, so switching formats loses nothing.
 */
export function formatLogLine(format: LogFormat, ts: number, level: string, message: string, fields?: Record<string, unknown>, messageKey = 'message'): string {
  const iso = new Date(ts).toISOString();
  if (format === 'json') return `${JSON.stringify({ ts: iso, level, [messageKey]: message, ...fields })}\n`;
  let line = `${iso} ${level.toUpperCase().padEnd(5)} ${message}`;
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    line += ` ${key}=${/[\s"=]/.test(text) ? JSON.stringify(text) : text}`;
  }
  return `${line}\n`;
}
