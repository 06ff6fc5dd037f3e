export { runProviderConformance } from './run-provider-conformance.js';
export type { ProviderConformanceOptions } from './run-provider-conformance.js';
export { describePlatformConformance } from './platform-checks.js';
export type { ConformanceBackend, RefusedCreate, PlatformCheckOptions } from './platform-checks.js';
export { describePluginConformance, platformFromPlugin } from './plugin-checks.js';
export type { PluginCheckOptions } from './plugin-checks.js';
export { compileStrict, check, propertiesWithoutDescription, summarize } from './schema-helpers.js';
export { describeReadmeTables, readmeSection, documentedKeys } from './readme-tables.js';
export { testPlatformDeps, testScaleGroup, testWorkerBootstrap, testWorkerLaunch } from './fixtures.js';
