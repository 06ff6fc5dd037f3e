import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { CORE_INSTANCE, PROVIDER_API_VERSION, TOKENS, isProviderPlugin } from '@iris/core';
import defaultExport, { gcpProvider, gcpControllerSchema, gcpProviderSchema } from './index.js';

describe('gcp provider plugin', () => {
  it('is a branded plugin of the current API version, made by this copy of core', () => {
    expect(isProviderPlugin(gcpProvider)).toBe(true);
    expect(gcpProvider.apiVersion).toBe(PROVIDER_API_VERSION);
    expect(gcpProvider.coreInstance).toBe(CORE_INSTANCE);
  });

  it('is the default export and the named export at once', () => {
    expect(defaultExport).toBe(gcpProvider);
  });

  it('claims type gcp with the legacy alias tpu and contributes both schemas', () => {
    expect(gcpProvider.type).toBe('gcp');
    expect(gcpProvider.aliases).toEqual(['tpu']);
    expect(gcpProvider.configSchema).toBe(gcpProviderSchema);
    expect(gcpProvider.controllerSchema).toBe(gcpControllerSchema);
    expect(gcpProvider.description).not.toBe('');
  });

  it('registers the gcp platform factory', () => {
    const child = container.createChildContainer();
    gcpProvider.register(child);
    expect(child.resolve<{ type: string }>(TOKENS.platformFactory).type).toBe('gcp');
  });
});
