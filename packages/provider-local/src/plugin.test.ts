import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { CORE_INSTANCE, PROVIDER_API_VERSION, TOKENS, isProviderPlugin } from '@iris/core';
import defaultExport, { localControllerSchema, localProvider, localProviderSchema } from './index.js';

describe('local provider plugin', () => {
  it('is a branded plugin of the current API version, made by this copy of core', () => {
    expect(isProviderPlugin(localProvider)).toBe(true);
    expect(localProvider.apiVersion).toBe(PROVIDER_API_VERSION);
    expect(localProvider.coreInstance).toBe(CORE_INSTANCE);
  });

  it('is the default export and the named export at once', () => {
    expect(defaultExport).toBe(localProvider);
  });

  it('claims type local and contributes both schemas', () => {
    expect(localProvider.type).toBe('local');
    expect(localProvider.aliases).toEqual([]);
    expect(localProvider.configSchema).toBe(localProviderSchema);
    expect(localProvider.controllerSchema).toBe(localControllerSchema);
  });

  it('registers its platform factory for type local', () => {
    const child = container.createChildContainer();
    localProvider.register(child);
    const factories = child.resolveAll<{ type: string }>(TOKENS.platformFactory);
    expect(factories.map((f) => f.type)).toEqual(['local']);
  });
});
