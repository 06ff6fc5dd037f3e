// @iris/core/config: load, validate and migrate a cluster file; the plugin registry it resolves providers with.
// The registry uses tsyringe, which needs the Reflect polyfill loaded before it.
import 'reflect-metadata';
export { DEFAULT_CONFIG, applyDefaults } from './defaults.js';
export { ConfigError, formatConfigIssue, CONFIG_ERROR_CODE } from './issues.js';
export type { ConfigIssue } from './issues.js';
export { loadCluster, loadClusterText } from './load-cluster.js';
export type { LoadClusterOptions, LoadedCluster } from './load-cluster.js';
export { migrateClusterText } from './migrate.js';
export { composeClusterSchema } from './validate.js';
export { ProviderRegistry, createProviderRegistry, PROVIDER_NOT_INSTALLED_CODE } from '../plugins/registry.js';
export type { BuiltinPlugin, ProviderEntry } from '../plugins/registry.js';
export { loadPlugins } from '../plugins/load-plugins.js';
export type { LoadedPlugin, LoadPluginsOptions } from '../plugins/load-plugins.js';
export { PluginLoadError, PLUGIN_ERROR_CODE } from '../plugins/plugin-errors.js';
export type { PluginFailure, PluginFailureCode } from '../plugins/plugin-errors.js';
