import type { CliIo } from '../context.js';

/** Every `--json` output: one pretty-printed document and a newline, nothing else on stdout. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}
