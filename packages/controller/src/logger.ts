import { formatLogLine, type LogFormat, type Logger } from '@iris/core';

/** One line per entry on stderr, JSON unless `text` is asked for. Callers never pass secrets in fields. */
export function jsonLogger(stream: NodeJS.WritableStream = process.stderr, now: () => number = () => Date.now(), format: LogFormat = 'json'): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    stream.write(formatLogLine(format, now(), level, message, fields));
  };
  return { debug: () => undefined, info: write('info'), warn: write('warn'), error: write('error') };
}
