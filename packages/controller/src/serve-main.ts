#!/usr/bin/env node
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { serve } from './serve.js';

// `node dist/serve-main.js --state-dir DIR [--host H] [--port N]`: the controller as a child process.
const { values } = parseArgs({
  options: { 'state-dir': { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } },
  strict: true,
});
const stateDir = values['state-dir'];
const port = values.port === undefined ? 0 : Number(values.port);
if (!stateDir || !Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('usage: serve-main --state-dir DIR [--host HOST] [--port N]\n');
  process.exit(2);
}
serve({ stateDir, port, ...(values.host === undefined ? {} : { host: values.host }) }).catch((err: unknown) => {
  process.stderr.write(`controller failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
