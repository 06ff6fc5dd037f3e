import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import {
  isProviderPlugin,
  PROVIDER_API_VERSION,
  PROVIDER_PLUGIN_BRAND,
  TOKENS,
  type JsonSchema,
  type Platform,
  type PlatformDeps,
  type PlatformFactory,
  type ProviderConfig,
  type ProviderPlugin,
} from '@iris/core';
import { check, compileStrict, propertiesWithoutDescription, summarize } from './schema-helpers.js';

const TYPE_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Builds a Platform the way the controller does: the plugin registers its factory in a fresh child
 * container, and the factory creates the platform from the provider block.
 */
export async function platformFromPlugin(plugin: ProviderPlugin, config: ProviderConfig, deps: PlatformDeps): Promise<Platform> {
  const child = rootContainer.createChildContainer();
  plugin.register(child);
  const factory = child.resolve<PlatformFactory>(TOKENS.platformFactory);
  return factory.create(config, deps);
}

/** Problems that make a schema not strict or not documented, as contract sentences. */
function schemaShapeProblems(schema: JsonSchema, type: string, field: string): string[] {
  const problems: string[] = [];
  if (schema['type'] !== 'object') problems.push(`${field}.type must be "object"`);
  if (schema['additionalProperties'] !== false) problems.push(`${field}.additionalProperties must be false, so a misspelt key is an error`);
  const properties = schema['properties'] as Record<string, Record<string, unknown>> | undefined;
  if (properties?.['type']?.['const'] !== type)
    problems.push(`${field}.properties.type must be {const: "${type}"} (the discriminator core plugs schemas in by)`);
  const required = schema['required'];
  if (!Array.isArray(required) || !required.includes('type')) problems.push(`${field}.required must include "type"`);
  if (typeof schema['description'] !== 'string' || schema['description'].trim() === '') problems.push(`${field} needs a description (editors show it)`);
  for (const path of propertiesWithoutDescription(schema)) problems.push(`${field} property ${path} needs a description (editors show it)`);
  return problems;
}

export interface PluginCheckOptions {
  plugin: ProviderPlugin;
  /** A valid group `provider:` block (with `type`). */
  sampleConfig: Record<string, unknown>;
  /** A valid `controller.provider` block, when the plugin has a controllerSchema. */
  sampleControllerConfig?: Record<string, unknown>;
}

/** Registers the plugin half of the conformance suite. */
export function describePluginConformance({ plugin, sampleConfig, sampleControllerConfig }: PluginCheckOptions): void {
  describe('plugin', () => {
    it('is branded and speaks this core’s provider API version', () => {
      expect(isProviderPlugin(plugin), `the default export must be made with defineProvider() ($$type "${PROVIDER_PLUGIN_BRAND}")`).toBe(true);
      expect(plugin.apiVersion, `apiVersion must be ${PROVIDER_API_VERSION}, the version this @iris/core speaks`).toBe(PROVIDER_API_VERSION);
    });

    it('names its type and aliases in lower-case, without clashes, and describes itself', () => {
      expect(plugin.type, 'type must be lower-case letters, digits and dashes').toMatch(TYPE_NAME);
      for (const alias of plugin.aliases) expect(alias, `alias "${alias}" must be lower-case letters, digits and dashes`).toMatch(TYPE_NAME);
      expect(plugin.aliases, 'an alias must not repeat the canonical type').not.toContain(plugin.type);
      expect(new Set(plugin.aliases).size, 'aliases must be distinct').toBe(plugin.aliases.length);
      expect(plugin.description.trim(), 'description must say what the provider runs on').not.toBe('');
    });

    it('contributes a strict, documented configSchema', () => {
      expect(schemaShapeProblems(plugin.configSchema, plugin.type, 'configSchema'), 'configSchema contract').toEqual([]);
      expect(() => compileStrict(plugin.configSchema), 'configSchema must compile in ajv strict mode').not.toThrow();
    });

    it('accepts the sample block, and refuses unknown keys and another type', () => {
      const validate = compileStrict(plugin.configSchema);
      const ok = check(validate, sampleConfig);
      expect(summarize(ok.errors), 'the sample provider block must validate').toEqual([]);
      expect(check(validate, { ...sampleConfig, conformance_unknown_key: 1 }).ok, 'an unknown key must be refused').toBe(false);
      expect(check(validate, { ...sampleConfig, type: `${plugin.type}-other` }).ok, 'another type must be refused').toBe(false);
    });

    it('contributes a strict, documented controllerSchema when it can host the controller', () => {
      if (!plugin.controllerSchema) return;
      expect(schemaShapeProblems(plugin.controllerSchema, plugin.type, 'controllerSchema'), 'controllerSchema contract').toEqual([]);
      const validate = compileStrict(plugin.controllerSchema);
      if (sampleControllerConfig) {
        expect(summarize(check(validate, sampleControllerConfig).errors), 'the sample controller block must validate').toEqual([]);
      }
      expect(check(validate, { type: plugin.type, conformance_unknown_key: 1 }).ok, 'an unknown controller key must be refused').toBe(false);
    });

    it('registers a PlatformFactory for its type in the container it is given', () => {
      const child = rootContainer.createChildContainer();
      plugin.register(child);
      expect(child.isRegistered(TOKENS.platformFactory), `register(container) must register a PlatformFactory under "${TOKENS.platformFactory}"`).toBe(true);
      const factory = child.resolve<PlatformFactory>(TOKENS.platformFactory);
      expect(factory.type, 'the registered factory must be for the plugin’s type').toBe(plugin.type);
      expect(rootContainer.isRegistered(TOKENS.platformFactory, false), 'register must not touch the root container').toBe(false);
    });
  });
}
