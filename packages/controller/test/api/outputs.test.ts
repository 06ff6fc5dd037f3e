import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES, IrisApiError } from '@iris/core/api';
import { runController, WORKER, type RunningController } from '../support/controller-fixture.js';

let c: RunningController;
beforeAll(async () => {
  c = await runController({ maxOutputBytes: 16 });
});
afterAll(() => c.close());

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('job outputs', () => {
  it('keeps an attempt’s files under the size limit, refuses more, and refuses unlisted or mismatched blobs', async () => {
    await c.client.registerWorker({ worker_id: 'w', ...WORKER });
    await c.client.submitJob({ name: '/o', command: ['true'] });
    c.handle.schedule();
    await c.client.reconcile('w', { attempts: [], wait_ms: 0 });
    const small = new TextEncoder().encode('0123456789');
    // The blob is checked against its name while it streams in.
    const wrong = await c.client.uploadOutput(sha(new TextEncoder().encode('other')), small).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ status: 400, code: API_ERROR_CODES.invalidRequest });
    // Bigger than max_output_bytes: refused while it streams.
    const big = new Uint8Array(64);
    expect(await c.client.uploadOutput(sha(big), big).catch((e: unknown) => e)).toMatchObject({ status: 413 });
    await c.client.uploadOutput(sha(small), small);
    // Not downloadable until a manifest lists it.
    expect(await c.client.downloadOutput(sha(small)).catch((e: unknown) => e)).toBeInstanceOf(IrisApiError);
    const twice = [
      { path: 'a', sha256: sha(small), size_bytes: 10 },
      { path: 'b', sha256: sha(small), size_bytes: 10 },
    ];
    expect(await c.client.recordOutputs('/o/0', { attempt: 0, files: twice }).catch((e: unknown) => e)).toMatchObject({
      status: 413,
      message: expect.stringMatching(/max_output_bytes/),
    });
    expect(
      await c.client.recordOutputs('/o/0', { attempt: 0, files: [{ path: '../escape', sha256: sha(small), size_bytes: 10 }] }).catch((e: unknown) => e),
    ).toMatchObject({ status: 400 });
    await c.client.recordOutputs('/o/0', { attempt: 0, files: [{ path: 'a/b.txt', sha256: sha(small), size_bytes: 10 }] });
    expect((await c.client.listOutputs('/o')).items).toEqual([{ task_id: '/o/0', attempt: 0, path: 'a/b.txt', sha256: sha(small), size_bytes: 10 }]);
    expect(await (await c.client.downloadOutput(sha(small))).text()).toBe('0123456789');
  });
});
