import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { IrisError } from '../errors.js';
import type { ProviderConfig } from '../config/types.js';
import type { Platform, PlatformDeps, PlatformFactory } from '../platform.js';
import type { ProviderPlugin } from '../plugin.js';
import { TOKENS } from '../tokens.js';
import { checkPlugin } from './check-plugin.js';
import type { LoadedPlugin } from './load-plugins.js';
import { PluginLoadError, type PluginFailure } from './plugin-errors.js';

/** A provider plugin that ships with the caller (the CLI's gcp, manual and local). */
export interface BuiltinPlugin {
  plugin: ProviderPlugin;
  packageName: string;
  version: string;
}

/** What `iris providers` shows about one installed provider. */
export interface ProviderEntry {
  type: string;
  aliases: readonly string[];
  description: string;
  packageName: string;
  version: string;
  source: 'builtin' | 'plugin';
  /** Where a third-party plugin was imported from. */
  resolvedFrom?: string;
}

export const PROVIDER_NOT_INSTALLED_CODE = 'IRIS_PROVIDER_NOT_INSTALLED';

/**
 * The installed providers, each having registered its PlatformFactory in a child container of its
 * own registry, so two registries (two clusters, two tests) never see each other's factories.
 */
export class ProviderRegistry {
  private readonly byName = new Map<string, { plugin: ProviderPlugin; entry: ProviderEntry }>();

  constructor(
    readonly container: DependencyContainer,
    installed: ReadonlyArray<{ plugin: ProviderPlugin; entry: ProviderEntry }>,
  ) {
    for (const item of installed) {
      this.byName.set(item.plugin.type, item);
      for (const alias of item.plugin.aliases) this.byName.set(alias, item);
    }
  }

  /** The plugin for a type or alias. */
  get(typeOrAlias: string): ProviderPlugin | undefined {
    return this.byName.get(typeOrAlias)?.plugin;
  }

  /** The plugin and its entry (package, version) for a type or alias. */
  entry(typeOrAlias: string): { plugin: ProviderPlugin; packageName: string } | undefined {
    const item = this.byName.get(typeOrAlias);
    return item ? { plugin: item.plugin, packageName: item.entry.packageName } : undefined;
  }

  /** The canonical type of a type or alias (`tpu` → `gcp`). */
  canonicalType(typeOrAlias: string): string | undefined {
    return this.byName.get(typeOrAlias)?.plugin.type;
  }

  /** Canonical types, sorted. */
  types(): string[] {
    return this.plugins().map((p) => p.type);
  }

  /** Installed plugins sorted by type. */
  plugins(): ProviderPlugin[] {
    return this.entriesWithPlugins().map((e) => e.plugin);
  }

  entries(): ProviderEntry[] {
    return this.entriesWithPlugins().map((e) => e.entry);
  }

  /** Builds the Platform of one provider block through the factory its plugin registered. */
  async createPlatform(providerConfig: ProviderConfig, deps: PlatformDeps): Promise<Platform> {
    const type = this.canonicalType(providerConfig.type);
    if (!type) {
      throw new IrisError(
        PROVIDER_NOT_INSTALLED_CODE,
        `provider "${providerConfig.type}" is not installed (installed: ${this.types().join(', ')}); add its package to plugins: in the cluster file`,
      );
    }
    const factories = this.container.isRegistered(TOKENS.platformFactory, true) ? this.container.resolveAll<PlatformFactory>(TOKENS.platformFactory) : [];
    const factory = factories.find((f) => f.type === type);
    if (!factory) {
      const pkg = this.byName.get(type)?.entry.packageName ?? type;
      throw new IrisError(
        PROVIDER_NOT_INSTALLED_CODE,
        `${pkg}: provider "${type}" registered no platform factory; its register(container) must register one under TOKENS.platformFactory`,
      );
    }
    return factory.create({ ...providerConfig, type }, deps);
  }

  private entriesWithPlugins(): Array<{ plugin: ProviderPlugin; entry: ProviderEntry }> {
    const unique = new Set(this.byName.values());
    return [...unique].sort((a, b) => a.plugin.type.localeCompare(b.plugin.type));
  }
}

/**
 * Checks every plugin (built-in and loaded), refuses two claiming one type or alias, and lets each
 * register itself in a fresh child container. Throws a PluginLoadError listing every failure.
 */
export function createProviderRegistry(
  builtins: readonly BuiltinPlugin[],
  loadedPlugins: readonly LoadedPlugin[] = [],
  parent: DependencyContainer = rootContainer,
): ProviderRegistry {
  const failures: PluginFailure[] = [];
  const candidates: Array<{ plugin: ProviderPlugin; entry: ProviderEntry; specIndex?: number }> = [];
  for (const b of builtins) {
    const problems = checkPlugin(b.plugin, b.packageName);
    if (problems.length > 0) failures.push(...problems);
    else candidates.push({ plugin: b.plugin, entry: entryOf(b.plugin, b.packageName, b.version, 'builtin') });
  }
  for (const l of loadedPlugins) {
    const problems = checkPlugin(l.plugin, l.packageName).map((f) => ({ ...f, specIndex: l.specIndex }));
    if (problems.length > 0) failures.push(...problems);
    else candidates.push({ plugin: l.plugin, entry: entryOf(l.plugin, l.packageName, l.version, 'plugin', l.resolvedFrom), specIndex: l.specIndex });
  }

  const claimed = new Map<string, (typeof candidates)[number]>();
  const installed: typeof candidates = [];
  for (const c of candidates) {
    // The same plugin object listed twice (a builtin also named in plugins:) is not a conflict.
    if (installed.some((i) => i.plugin === c.plugin)) continue;
    const clash = [c.plugin.type, ...c.plugin.aliases].map((name) => [name, claimed.get(name)] as const).find(([, owner]) => owner);
    if (clash) {
      const [name, owner] = clash;
      failures.push({
        code: 'duplicate_type',
        packageName: c.entry.packageName,
        ...(c.specIndex !== undefined ? { specIndex: c.specIndex } : {}),
        message: `${c.entry.packageName} and ${owner?.entry.packageName} both provide provider type "${name}"; remove one of them from plugins:`,
      });
      continue;
    }
    for (const name of [c.plugin.type, ...c.plugin.aliases]) claimed.set(name, c);
    installed.push(c);
  }

  const child = parent.createChildContainer();
  for (const c of installed) {
    try {
      c.plugin.register(child);
    } catch (cause) {
      failures.push({
        code: 'register_failed',
        packageName: c.entry.packageName,
        ...(c.specIndex !== undefined ? { specIndex: c.specIndex } : {}),
        cause,
        message: `${c.entry.packageName}: register(container) threw (${cause instanceof Error ? cause.message : String(cause)}); report it to the package's authors`,
      });
    }
  }
  if (failures.length > 0) throw new PluginLoadError(failures);
  return new ProviderRegistry(child, installed);
}

function entryOf(plugin: ProviderPlugin, packageName: string, version: string, source: ProviderEntry['source'], resolvedFrom?: string): ProviderEntry {
  return {
    type: plugin.type,
    aliases: plugin.aliases,
    description: plugin.description,
    packageName,
    version,
    source,
    ...(resolvedFrom !== undefined ? { resolvedFrom } : {}),
  };
}
