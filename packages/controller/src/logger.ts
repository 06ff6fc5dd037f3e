import type { Logger } from '@iris/core';

/** One JSON object per line on stderr. Callers never pass secrets in fields. */
export function jsonLogger(stream: NodeJS.WritableStream = process.stderr, now: () => number = () => Date.now()): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    stream.write(`${JSON.stringify({ ts: new Date(now()).toISOString(), level, message, ...fields })}\n`);
  };
  return { debug: () => undefined, info: write('info'), warn: write('warn'), error: write('error') };
}
