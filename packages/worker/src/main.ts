#!/usr/bin/env node
// The worker daemon as a program: `node dist/main.js --controller URL ...`.
// @iris/core loads tsyringe, which needs the Reflect polyfill before anything else.
import 'reflect-metadata';
import { hasErrorCode, WORKER_JOIN_REFUSED_EXIT_CODE } from '@iris/core';
import { startWorker } from './start-worker.js';
import { parseWorkerArgs, WORKER_USAGE_ERROR } from './worker-args.js';

async function main(): Promise<void> {
  const options = parseWorkerArgs(process.argv.slice(2), process.env);
  const handle = await startWorker(options);
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    void handle.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  void handle.refusal.then((reason) => {
    process.stderr.write(`iris worker: the controller refused this worker: ${reason}\n`);
    process.exit(WORKER_JOIN_REFUSED_EXIT_CODE);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`iris worker: ${(err as Error).message}\n`);
  process.exit(hasErrorCode(err, WORKER_USAGE_ERROR) ? 2 : 1);
});
