import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '@iris/core';
import { emulatedPlatform, failure, platformDeps, startEmulator, tpuGroup } from './platform-fixture.js';

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('an api_endpoint where nothing answers', () => {
  it('is transient for 30 s (a proxy still starting), then invalid_request naming the endpoint, so the start fails', async () => {
    const clock = new FakeClock();
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const platform = emulatedPlatform(endpoint, { ...platformDeps(), clock });
    try {
      const manager = platform.vmManager(tpuGroup('g'));
      expect((await failure(manager.listSlices())).kind).toBe('transient');
      await clock.advance(29_000);
      expect((await failure(manager.listSlices())).kind).toBe('transient');
      await clock.advance(1_000);
      const err = await failure(manager.listSlices());
      expect(err.kind).toBe('invalid_request');
      expect(err.message).toContain(`nothing answers at ${endpoint} (ECONNREFUSED)`);
      expect(err.message).toContain('check provider.api_endpoint');
    } finally {
      await platform.close();
    }
  });

  it('stays transient when an endpoint that answered goes away', async () => {
    const clock = new FakeClock();
    const { emulator, endpoint } = await startEmulator();
    const platform = emulatedPlatform(endpoint, { ...platformDeps(), clock });
    try {
      const manager = platform.vmManager(tpuGroup('g'));
      expect(await manager.listSlices()).toEqual([]);
      await emulator.stop();
      expect((await failure(manager.listSlices())).kind).toBe('transient');
      await clock.advance(120_000);
      expect((await failure(manager.listSlices())).kind).toBe('transient');
    } finally {
      await platform.close();
    }
  });
});
