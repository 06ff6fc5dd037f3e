import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildController } from '../support/child-controller.js';
import { startControllerProcess, stopProcess, until, type ControllerProcess } from './processes.js';

let dir: string;
let controller: ControllerProcess;
let url: string;
let token: string;
beforeAll(async () => {
  buildController();
  dir = mkdtempSync(join(tmpdir(), 'iris-fault-bundle-'));
  controller = startControllerProcess(dir);
  url = await controller.ready;
  token = readFileSync(join(dir, 'token'), 'utf8').trim();
});
afterAll(async () => {
  await stopProcess(controller);
  rmSync(dir, { recursive: true, force: true });
});

/** A chunked PUT that sends `chunks` of 1 MiB and then cuts the connection (Ctrl-C mid-upload). */
function abortedUpload(chunks: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request(`${url}/api/v1/bundles/${'a'.repeat(64)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    const chunk = Buffer.alloc(1024 * 1024, 7);
    let sent = 0;
    const pump = (): void => {
      while (sent < chunks) {
        sent++;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      // Let the controller start writing, then hang up with its write stream busy.
      setImmediate(() => req.destroy());
    };
    pump();
  });
}

describe('aborted bundle uploads', () => {
  it('leave the controller serving and no partial file behind', async () => {
    await Promise.all([abortedUpload(8), abortedUpload(16), abortedUpload(32), abortedUpload(4), abortedUpload(64)]);
    for (let i = 0; i < 5; i++) await abortedUpload(8);
    await until(() => readdirSync(join(dir, 'bundles')).filter((f) => f.startsWith('.upload-')).length === 0, 'partial uploads to be removed');
    expect(controller.child.exitCode).toBeNull();
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(controller.stderr()).not.toMatch(/ERR_STREAM_DESTROYED|Unhandled/);
  });
});
