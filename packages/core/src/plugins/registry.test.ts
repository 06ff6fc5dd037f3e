import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../clock.js';
import { hasErrorCode } from '../errors.js';
import { silentLogger } from '../logger.js';
import type { Platform, PlatformDeps } from '../platform.js';
import { defineProvider } from '../plugin.js';
import { TOKENS } from '../tokens.js';
import { createProviderRegistry, PROVIDER_NOT_INSTALLED_CODE } from './registry.js';

const schema = (type: string) => ({ type: 'object', additionalProperties: false, properties: { type: { const: type }, n: { type: 'integer' } } });
const deps: PlatformDeps = {
  clusterName: 'c',
  bootstrap: { worker_port: 1, cache_dir: '/c', env: {} },
  timeouts: { boot: 1, init: 1, ssh_poll_interval: 1 },
  ssh: { user: 'u', port: 22, connect_timeout: 1 },
  clock: new SystemClock(),
  logger: silentLogger,
  stateDir: '/s',
};

const built: Array<{ type: string; config: unknown }> = [];
const alpha = defineProvider({
  type: 'alpha',
  aliases: ['a'],
  description: 'Alpha',
  configSchema: schema('alpha'),
  platformFactory: { type: 'alpha', create: (config) => (built.push({ type: 'alpha', config }), { type: 'alpha' } as Platform) },
});
const silent = defineProvider({ type: 'silent', description: 'Registers nothing', configSchema: schema('silent'), register: () => undefined });

describe('ProviderRegistry', () => {
  it('lists entries, resolves aliases and builds platforms through the registered factory', async () => {
    const registry = createProviderRegistry([
      { plugin: alpha, packageName: 'pkg-alpha', version: '1.0.0' },
      { plugin: silent, packageName: 'pkg-silent', version: '2.0.0' },
    ]);
    expect(registry.types()).toEqual(['alpha', 'silent']);
    expect(registry.entries()).toEqual([
      { type: 'alpha', aliases: ['a'], description: 'Alpha', packageName: 'pkg-alpha', version: '1.0.0', source: 'builtin' },
      { type: 'silent', aliases: [], description: 'Registers nothing', packageName: 'pkg-silent', version: '2.0.0', source: 'builtin' },
    ]);
    expect(registry.get('a')).toBe(alpha);
    expect(registry.canonicalType('a')).toBe('alpha');
    const platform = await registry.createPlatform({ type: 'a', n: 1 }, deps);
    expect(platform.type).toBe('alpha');
    expect(built.at(-1)).toEqual({ type: 'alpha', config: { type: 'alpha', n: 1 } });
  });

  it('says what to do when a type is not installed or registered no factory', async () => {
    const registry = createProviderRegistry([
      { plugin: alpha, packageName: 'pkg-alpha', version: '1' },
      { plugin: silent, packageName: 'pkg-silent', version: '1' },
    ]);
    const unknown = await registry.createPlatform({ type: 'aws' }, deps).catch((e: unknown) => e);
    expect(hasErrorCode(unknown, PROVIDER_NOT_INSTALLED_CODE)).toBe(true);
    expect((unknown as Error).message).toBe('provider "aws" is not installed (installed: alpha, silent); add its package to plugins: in the cluster file');
    await expect(registry.createPlatform({ type: 'silent' }, deps)).rejects.toThrow(/pkg-silent: provider "silent" registered no platform factory/);
  });

  it('keeps each registry in its own child container', () => {
    const one = createProviderRegistry([{ plugin: alpha, packageName: 'p', version: '1' }]);
    const two = createProviderRegistry([]);
    expect(one.container.isRegistered(TOKENS.platformFactory, true)).toBe(true);
    expect(two.container.isRegistered(TOKENS.platformFactory, true)).toBe(false);
    expect(container.isRegistered(TOKENS.platformFactory)).toBe(false);
  });

  it('the same plugin listed twice is one provider, not a conflict', () => {
    const registry = createProviderRegistry(
      [{ plugin: alpha, packageName: 'p', version: '1' }],
      [{ plugin: alpha, packageName: 'p', version: '1', resolvedFrom: '/x', spec: 'alpha', specIndex: 0 }],
    );
    expect(registry.types()).toEqual(['alpha']);
  });
});
