import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { CORE_INSTANCE, PROVIDER_API_VERSION, TOKENS, isProviderPlugin } from '@iris/core';
import defaultExport, { manualControllerSchema, manualProvider, manualProviderSchema } from './index.js';

describe('manual provider plugin', () => {
  it('is a branded plugin of the current API version, made by this copy of core', () => {
    expect(isProviderPlugin(manualProvider)).toBe(true);
    expect(manualProvider.apiVersion).toBe(PROVIDER_API_VERSION);
    expect(manualProvider.coreInstance).toBe(CORE_INSTANCE);
  });

  it('is the default export and the named export at once', () => {
    expect(defaultExport).toBe(manualProvider);
  });

  it('claims type manual and contributes both schemas', () => {
    expect(manualProvider.type).toBe('manual');
    expect(manualProvider.aliases).toEqual([]);
    expect(manualProvider.configSchema).toBe(manualProviderSchema);
    expect(manualProvider.controllerSchema).toBe(manualControllerSchema);
  });

  it('registers its platform factory for type manual', () => {
    const child = container.createChildContainer();
    manualProvider.register(child);
    expect(child.resolve<{ type: string }>(TOKENS.platformFactory).type).toBe('manual');
  });
});
