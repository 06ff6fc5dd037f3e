#!/usr/bin/env node
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { serve } from './serve.js';

// `node dist/serve-main.js --state-dir DIR [--host H] [--port N] [--worker-timeout MS]`: the
// controller as a child process.
const USAGE = 'usage: serve-main --state-dir DIR [--host HOST] [--port N] [--worker-timeout MS]\n';
let values;
try {
  ({ values } = parseArgs({
    options: { 'state-dir': { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, 'worker-timeout': { type: 'string' } },
    strict: true,
  }));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
const stateDir = values['state-dir'];
const port = values.port === undefined ? 0 : Number(values.port);
const workerTimeout = values['worker-timeout'] === undefined ? undefined : Number(values['worker-timeout']);
if (
  !stateDir ||
  !Number.isInteger(port) ||
  port < 0 ||
  port > 65535 ||
  (workerTimeout !== undefined && !(Number.isInteger(workerTimeout) && workerTimeout > 0))
) {
  process.stderr.write(USAGE);
  process.exit(2);
}
serve({
  stateDir,
  port,
  ...(values.host === undefined ? {} : { host: values.host }),
  ...(workerTimeout === undefined ? {} : { limits: { workerTimeoutMs: workerTimeout } }),
}).catch((err: unknown) => {
  process.stderr.write(`controller failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
