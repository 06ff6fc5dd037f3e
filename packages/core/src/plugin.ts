import type { DependencyContainer } from 'tsyringe';
import { TOKENS } from './tokens.js';
import type { Platform, PlatformDeps, PlatformFactory } from './platform.js';
import type { ProviderConfig } from './config/types.js';
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

/** A problem a provider's `validate` finds in its block; core reports it at the file:line:col of `path`. */
export interface ProviderIssue {
  /** Path inside the provider block (`['hosts', 2]`); empty for the block itself. */
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** Default `error`: the file does not load. A `warning` is printed and the file loads. */
  readonly severity?: 'error' | 'warning';
}

/** What `validate` learns besides the block itself. */
export interface ProviderValidationContext {
  /** The scale group the block configures (absent for the controller block), defaults applied. */
  readonly group?: {
    readonly name: string;
    readonly slice_size: number;
    readonly accelerator_type: string;
    readonly accelerator_variant: string;
    readonly [key: string]: unknown;
  };
  /** The whole cluster file's data, defaults applied, for rules that span sections (e.g. defaults.bootstrap). */
  readonly cluster: Readonly<Record<string, unknown>>;
}

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
  /** Cross-field rules of a group block, run at load time after the schema passed (contract v2). */
  readonly validate?: (config: ProviderConfig, ctx: ProviderValidationContext) => readonly ProviderIssue[];
  /** Cross-field rules of the `controller.provider` block, run at load time (contract v2). */
  readonly validateController?: (config: ProviderConfig, ctx: ProviderValidationContext) => readonly ProviderIssue[];
  /** The copy of @iris/core that made this plugin (set by defineProvider). */
  readonly coreInstance: symbol;
  readonly coreVersion: string;
}

/**
 * A provider's definition, typed by its own config blocks: `GroupConfig` is what `configSchema`
 * describes, `ControllerConfig` what `controllerSchema` does. Core checks a block against its
 * schema first and only then hands it over typed (the one cast lives here, in core), so a
 * provider never casts its config.
 */
export interface ProviderDefinition<GroupConfig = ProviderConfig, ControllerConfig = ProviderConfig> {
  apiVersion?: number;
  type: string;
  /** Other names accepted for `type`, first-class: no warning, accepted by the editor schema. */
  aliases?: readonly string[];
  description: string;
  configSchema: JsonSchema;
  controllerSchema?: JsonSchema;
  /** Cross-field rules of a group block (duplicates, references between fields); run at load time. */
  validate?: (config: GroupConfig, ctx: ProviderValidationContext) => readonly ProviderIssue[];
  /** Cross-field rules of the `controller.provider` block; run at load time. */
  validateController?: (config: ControllerConfig, ctx: ProviderValidationContext) => readonly ProviderIssue[];
  /**
   * Builds the platform for one distinct provider config (a group block; the controller's block
   * when the provider hosts the controller). One of `createPlatform`, `platformFactory` or
   * `register` is required.
   */
  createPlatform?: (config: GroupConfig | ControllerConfig, deps: PlatformDeps) => Platform | Promise<Platform>;
  /**
   * Or give `platformFactory` (registered for you), or a `register` of your own, for factories
   * that are classes with injected constructor parameters.
   */
  platformFactory?: PlatformFactory;
  register?: (container: DependencyContainer) => void;
}

/** Makes the default export of a provider package. */
export function defineProvider<GroupConfig = ProviderConfig, ControllerConfig = ProviderConfig>(
  definition: ProviderDefinition<GroupConfig, ControllerConfig>,
): ProviderPlugin {
  const { register, createPlatform } = definition;
  // The one cast: the registry calls these only with blocks that passed the provider's own schema.
  const platformFactory: PlatformFactory | undefined =
    definition.platformFactory ??
    (createPlatform ? { type: definition.type, create: (config, deps) => createPlatform(config as unknown as GroupConfig, deps) } : undefined);
  const validate = definition.validate;
  const validateController = definition.validateController;
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
    ...(validate ? { validate: (config: ProviderConfig, ctx: ProviderValidationContext) => validate(config as unknown as GroupConfig, ctx) } : {}),
    ...(validateController
      ? { validateController: (config: ProviderConfig, ctx: ProviderValidationContext) => validateController(config as unknown as ControllerConfig, ctx) }
      : {}),
    register: registerFn,
    coreInstance: CORE_INSTANCE,
    coreVersion: CORE_VERSION,
  });
}

/** Brand check that works across copies of @iris/core (it does not use instanceof). */
export function isProviderPlugin(value: unknown): value is ProviderPlugin {
  return typeof value === 'object' && value !== null && (value as { $$type?: unknown }).$$type === PROVIDER_PLUGIN_BRAND;
}
