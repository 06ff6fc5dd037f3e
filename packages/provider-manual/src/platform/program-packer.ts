import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { IrisError } from '@iris/core';
import { packProgram, type PackProgramOptions, type ProgramBundle } from '@iris/core/bootstrap';

/**
 * What a host running only `iris worker` never loads: the controller (SQLite), the cloud providers
 * (Google's client libraries) and the SSH provider. Left out, the program shrinks from hundreds of
 * MB to a few, and a first bootstrap spends its time starting the worker, not copying files.
 */
export const WORKER_PROGRAM_EXCLUDES: readonly string[] = ['@iris/controller', '@iris/provider-gcp', '@iris/provider-local', '@iris/provider-manual'];

// Runs in a worker thread (CommonJS eval); loads core's built entry by URL.
const PACK_IN_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.core)
  .then((core) => core.packProgram(workerData.options))
  .then((bundle) => parentPort.postMessage({ bundle }), (err) => parentPort.postMessage({ error: { message: String(err && err.message || err), code: err && err.code } }));
`;

function coreEntryUrl(): string | undefined {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('@iris/core/bootstrap')).href;
  } catch {
    return undefined;
  }
}

/**
 * Packs the program in a worker thread: hashing and compressing thousands of files would block the
 * controller's event loop for seconds (API calls and heartbeats wait). Where the thread cannot load
 * core (a source checkout run without a build), it packs in this thread instead.
 */
export function packProgramOffLoop(options: PackProgramOptions): Promise<ProgramBundle> {
  const core = coreEntryUrl();
  if (!core) return packProgram(options);
  return new Promise<ProgramBundle>((resolve, reject) => {
    const worker = new Worker(PACK_IN_THREAD, { eval: true, workerData: { core, options } });
    let settled = false;
    worker.once('message', (msg: { bundle?: ProgramBundle; error?: { message: string; code?: string } }) => {
      settled = true;
      if (msg.bundle) resolve(msg.bundle);
      else reject(new IrisError(msg.error?.code ?? 'IRIS_PROGRAM_BUNDLE_FAILED', msg.error?.message ?? 'packing the program failed'));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      if (settled) return;
      settled = true;
      // The thread itself could not run (no built core): pack here rather than not at all.
      packProgram(options).then(resolve, () => reject(err));
    });
    worker.once('exit', (code) => {
      if (!settled) {
        settled = true;
        reject(new IrisError('IRIS_PROGRAM_BUNDLE_FAILED', `the program packer exited (${code}) without a result`));
      }
    });
  });
}
