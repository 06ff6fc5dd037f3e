import { formatLogLine, type LogFormat, type Logger } from '@iris/core';

/**
 * One line per entry on stderr (JSON, or text with `format: 'text'`). `secrets` are masked wherever they appear, as a second line
 * of defence: callers already never pass the token in a field.
 */
export function stderrLogger(options: { secrets?: readonly string[]; write?: (line: string) => void; now?: () => number; format?: LogFormat } = {}): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const now = options.now ?? (() => Date.now());
  const emit = (level: string, message: string, fields?: Record<string, unknown>): void => {
    let line = formatLogLine(options.format ?? 'json', now(), level, message, fields, 'msg');
    for (const secret of secrets) line = line.split(secret).join('[redacted]');
    write(line);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
