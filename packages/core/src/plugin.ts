import type { DependencyContainer } from 'tsyringe';
import { TOKENS } from './tokens.js';
import type { PlatformFactory } from './platform.js';
import { CORE_VERSION } from './version.js';

/** A JSON Schema (draft-07) object. Kept loose so core's public types do not depend on ajv's. */
export type JsonSchema = Record<string, unknown>;

export const PROVIDER_PLUGIN_BRAND = '@iris/ProviderPlugin';
/** The plugin contract version this core speaks. */
export const PROVIDER_API_VERSION = 1;

/**
 * Identity of this copy of @iris/core. A plugin made by another copy (a nested node_modules) holds
 * a different symbol, and the registry refuses it: two copies break injection and brand checks.
 */
export const CORE_INSTANCE: unique symbol = Symbol.for(`@iris/core instance ${CORE_VERSION} ${Math.random()}`) as never;

export interface ProviderPlugin {
  readonly $$type: typeof PROVIDER_PLUGIN_BRAND;
  readonly apiVersion: number;
  /** The canonical provider type used in `provider: {type: …}`. */
  readonly type: string;
  /** Other names accepted for `type`; each resolves to the canonical `type`. */
  readonly aliases: readonly string[];
  readonly description: string;
  /** JSON Schema of a group's `provider:` block: `type` as a const, `additionalProperties: false`. */
  readonly configSchema: JsonSchema;
  /** JSON Schema of the `controller.provider` block, when the provider can host the controller. */
  readonly controllerSchema?: JsonSchema;
  /** Registers the provider's `PlatformFactory` (under `TOKENS.platformFactory`) in the container. */
  register(container: DependencyContainer): void;
  /** The copy of @iris/core that made this plugin (set by defineProvider). */
  readonly coreInstance: symbol;
  readonly coreVersion: string;
}

export interface ProviderDefinition {
  apiVersion?: number;
  type: string;
  aliases?: readonly string[];
  description: string;
  configSchema: JsonSchema;
  controllerSchema?: JsonSchema;
  /**
   * Either give `platformFactory` (registered for you) or a `register` of your own, for factories
   * that are classes with injected constructor parameters.
   */
  platformFactory?: PlatformFactory;
  register?: (container: DependencyContainer) => void;
}

/** Makes the default export of a provider package. */
export function defineProvider(definition: ProviderDefinition): ProviderPlugin {
  const { platformFactory, register } = definition;
  const registerFn =
    register ??
    ((container: DependencyContainer) => {
      if (!platformFactory) return;
      container.register(TOKENS.platformFactory, { useValue: platformFactory });
    });
  return Object.freeze({
    $$type: PROVIDER_PLUGIN_BRAND,
    apiVersion: definition.apiVersion ?? PROVIDER_API_VERSION,
    type: definition.type,
    aliases: Object.freeze([...(definition.aliases ?? [])]),
    description: definition.description,
    configSchema: definition.configSchema,
    ...(definition.controllerSchema ? { controllerSchema: definition.controllerSchema } : {}),
    register: registerFn,
    coreInstance: CORE_INSTANCE,
    coreVersion: CORE_VERSION,
  });
}

/** Brand check that works across copies of @iris/core (it does not use instanceof). */
export function isProviderPlugin(value: unknown): value is ProviderPlugin {
  return typeof value === 'object' && value !== null && (value as { $$type?: unknown }).$$type === PROVIDER_PLUGIN_BRAND;
}
