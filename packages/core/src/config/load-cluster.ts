import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import { loadPlugins, type LoadedPlugin } from '../plugins/load-plugins.js';
import { PluginLoadError } from '../plugins/plugin-errors.js';
import { createProviderRegistry, type BuiltinPlugin, type ProviderRegistry } from '../plugins/registry.js';
import { applyDefaults } from './defaults.js';
import { ConfigError, ROOT_PATH, type ConfigIssue } from './issues.js';
import { normaliseLegacy } from './legacy.js';
import { hasLegacyForms } from './legacy-detect.js';
import { resolveCluster } from './resolve.js';
import type { ClusterConfig } from './types.js';
import { validateCluster } from './validate.js';
import { YamlSource } from './yaml-source.js';

export interface LoadClusterOptions {
  /** The providers that are always there (the CLI's gcp, manual, local). */
  builtins: readonly BuiltinPlugin[];
  /** Folders to resolve `plugins:` from after the cluster file's own folder (the CLI's install). */
  searchDirs?: string[];
  /** For `${ENV}` expansion and `~`; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Where `plugins:` resolution starts for loadClusterText; defaults to the folder of `fileName`. */
  baseDir?: string;
  /**
   * Provider types (and aliases) of known packages that are not installed, with the package of each
   * (`{gcp: '@iris/provider-gcp'}`): a file naming one is told `npm i <package>` at the `type`.
   */
  notInstalled?: Readonly<Record<string, string>>;
}

export interface LoadedCluster {
  file: string;
  config: ClusterConfig;
  warnings: ConfigIssue[];
  registry: ProviderRegistry;
}

/** Reads and loads a cluster file. Throws ConfigError listing every problem. */
export async function loadCluster(filePath: string, options: LoadClusterOptions): Promise<LoadedCluster> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (cause) {
    const reason = (cause as { code?: string }).code === 'ENOENT' ? 'no such file' : cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError(
      [{ file: filePath, line: 1, column: 1, path: ROOT_PATH, message: `cannot read the cluster file (${reason}); check the path`, severity: 'error' }],
      { cause },
    );
  }
  return loadClusterText(text, filePath, { ...options, baseDir: options.baseDir ?? dirname(resolve(filePath)) });
}

/**
 * Loads cluster-file text: parse (keeping positions) → normalise legacy forms → validate against
 * the composed schema → apply defaults → resolve providers → frozen ClusterConfig.
 */
export async function loadClusterText(text: string, fileName: string, options: LoadClusterOptions): Promise<LoadedCluster> {
  const source = new YamlSource(fileName, text);
  const { config, warnings, registry } = await runPipeline(source, options);
  return { file: fileName, config, warnings, registry };
}

type PipelineResult = { config: ClusterConfig; warnings: ConfigIssue[]; registry: ProviderRegistry };

/**
 * The whole pipeline. A canonical, valid file takes the fast path (plain data, no positioned
 * Document); anything else (a legacy form, any issue) takes the positioned path, which alone
 * decides what is reported. `positionedOnly` (migrate) always takes the positioned path and
 * leaves `source.doc` in canonical form.
 */
export async function runPipeline(source: YamlSource, options: LoadClusterOptions, positionedOnly = false): Promise<PipelineResult> {
  const data = positionedOnly ? undefined : source.fastData();
  if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
    const fast = await tryFastPath(source, data as Record<string, unknown>, options);
    if (fast) return fast;
  }
  return positionedPipeline(source, options);
}

async function tryFastPath(source: YamlSource, data: Record<string, unknown>, options: LoadClusterOptions): Promise<PipelineResult | undefined> {
  const listed = Array.isArray(data['plugins']) ? (data['plugins'] as unknown[]) : [];
  const registry = await buildRegistry(source, listed, options);
  if (hasLegacyForms(data, registry) || validateCluster(data, source, registry, options.notInstalled).length > 0) return undefined;
  const resolved = resolveCluster(applyDefaults(data), source, registry, { env: options.env ?? process.env });
  if (!resolved.config) return undefined;
  return { config: resolved.config, warnings: sortIssues(resolved.issues), registry };
}

async function positionedPipeline(source: YamlSource, options: LoadClusterOptions): Promise<PipelineResult> {
  const fail = (issues: ConfigIssue[], cause?: unknown): never => {
    throw new ConfigError(issues, cause === undefined ? {} : { cause });
  };
  const syntax = source.syntaxIssues();
  if (syntax.length === 0) syntax.push(...source.structureIssues());
  if (syntax.length > 0) fail(syntax);

  // Read plugins: from the AST: converting the whole document here would throw on problems (an
  // unresolved alias) that are reported properly below.
  const node = isMap(source.doc.contents) ? source.doc.contents.get('plugins', true) : undefined;
  const registry = await buildRegistry(source, isSeq(node) ? node.items.map((item) => (isScalar(item) ? item.value : undefined)) : [], options);
  const legacy = normaliseLegacy(source, registry);
  let data: unknown;
  try {
    data = source.doc.toJS({ maxAliasCount: 1000 });
  } catch (cause) {
    fail([source.issueAt([], `cannot read the YAML document (${cause instanceof Error ? cause.message : String(cause)})`)], cause);
  }
  if (data === null || data === undefined) {
    fail([source.issueAt([], 'the cluster file is empty; it needs at least scale_groups: or a provider:')]);
  }
  const invalid = [...legacy.filter((i) => i.severity === 'error'), ...validateCluster(data, source, registry, options.notInstalled)];
  const warnings = legacy.filter((i) => i.severity === 'warning');
  if (invalid.length > 0) fail([...sortIssues(invalid), ...sortIssues(warnings)]);

  const resolved = resolveCluster(applyDefaults(data as Record<string, unknown>), source, registry, { env: options.env ?? process.env });
  warnings.push(...resolved.issues.filter((i) => i.severity === 'warning'));
  if (!resolved.config) fail([...sortIssues(resolved.issues.filter((i) => i.severity === 'error')), ...sortIssues(warnings)]);
  return { config: resolved.config as ClusterConfig, warnings: sortIssues(warnings), registry };
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Imports `plugins:` and builds the registry; plugin failures become issues at their entries. */
async function buildRegistry(source: YamlSource, listed: readonly unknown[], options: LoadClusterOptions): Promise<ProviderRegistry> {
  // An entry naming a built-in (`local`, `@iris/provider-gcp`) is already satisfied.
  const builtin = (spec: string): boolean => options.builtins.some((b) => b.packageName === spec || b.plugin.type === spec || b.plugin.aliases.includes(spec));
  const specs = listed
    .map((s, i) => ({ spec: s, index: i }))
    .filter((s): s is { spec: string; index: number } => typeof s.spec === 'string' && s.spec !== '' && !builtin(s.spec));
  const baseDir = options.baseDir ?? dirname(resolve(source.file));
  let loaded: LoadedPlugin[] = [];
  try {
    loaded = (
      await loadPlugins(
        specs.map((s) => s.spec),
        { baseDir, searchDirs: options.searchDirs ?? [] },
      )
    ).map((l) => ({ ...l, specIndex: specs[l.specIndex]?.index ?? l.specIndex }));
  } catch (err) {
    if (!(err instanceof PluginLoadError)) throw err;
    throw new ConfigError(
      err.failures.map((f) => source.issueAt(f.specIndex === undefined ? ['plugins'] : ['plugins', specs[f.specIndex]?.index ?? f.specIndex], f.message)),
      { cause: err },
    );
  }
  try {
    return createProviderRegistry(options.builtins, loaded);
  } catch (err) {
    if (!(err instanceof PluginLoadError)) throw err;
    throw new ConfigError(
      err.failures.map((f) => source.issueAt(f.specIndex === undefined ? ['plugins'] : ['plugins', f.specIndex], f.message)),
      { cause: err },
    );
  }
}
