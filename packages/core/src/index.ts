// @iris/core: the contracts every package builds on (errors, clock, VMs, platforms, plugins, config types, units).
// The cluster-file loader and plugin registry are at `@iris/core/config`, the HTTP API and its client at
// `@iris/core/api`, the SSH bootstrap scripts at `@iris/core/bootstrap`.
// A plugin's register(container) uses tsyringe, which needs the Reflect polyfill loaded before it.
import 'reflect-metadata';
export { IrisError, hasErrorCode, ProviderError, isProviderError, providerErrorKind, PROVIDER_ERROR_KINDS, PROVIDER_ERROR_CODE } from './errors.js';
export type { ProviderErrorKind, ProviderErrorOptions } from './errors.js';
export { SystemClock, FakeClock } from './clock.js';
export { parseTokenText, TOKEN_MALFORMED_CODE } from './fs/token-text.js';
export { acquireDirLock, isAlive, processStartTime, DIR_LOCKED_CODE, DIR_LOCK_FAILED_CODE } from './fs/dir-lock.js';
export type { DirLock, DirLockOwner, AcquireDirLockOptions } from './fs/dir-lock.js';
export type { Clock, TimerHandle } from './clock.js';
export { VM_STATES, isVmState, isTerminalVmState, aggregateSliceState } from './vm.js';
export type { VmState, VmInfo, SliceInfo, ContainerSpec, VmBootstrapSpec } from './vm.js';
export { LABEL_CLUSTER, LABEL_GROUP, LABEL_SLICE, LABEL_ROLE, LABEL_REQUEST, sanitizeLabelValue, clusterLabels, matchesLabels } from './labels.js';
export type {
  CreateSliceRequest,
  VmManager,
  ListVmsQuery,
  StartVmsRequest,
  Tunnel,
  ControllerStatus,
  ControllerHost,
  InstanceTypeOffering,
  Platform,
  PlatformDeps,
  PlatformFactory,
  PlatformHostReport,
  StateSnapshotObject,
  StateSnapshotStore,
  StateSnapshots,
} from './platform.js';
export { TOKENS } from './tokens.js';
export { WORKER_JOIN_ENV, WORKER_JOIN_REFUSED_EXIT_CODE } from './worker-launch.js';
export type { WorkerLaunch } from './worker-launch.js';
export { silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export { defineProvider, isProviderPlugin, PROVIDER_PLUGIN_BRAND, PROVIDER_API_VERSION, CORE_INSTANCE } from './plugin.js';
export type { ProviderPlugin, ProviderDefinition, ProviderIssue, ProviderValidationContext, JsonSchema } from './plugin.js';
export { CORE_VERSION } from './version.js';
export { ROUTING_STRATEGIES } from './config/types.js';
export type {
  ProviderConfig,
  AcceleratorType,
  ScaleGroupResources,
  ScaleGroupConfig,
  TimeoutsConfig,
  SshDefaultsConfig,
  AutoscalerConfig,
  RoutingStrategy,
  JobDefaultsConfig,
  BootstrapConfig,
  DefaultsConfig,
  ControllerConfig,
  ControllerInputLimits,
  ClusterConfig,
} from './config/types.js';
export { LOG_FORMATS, formatLogLine } from './log-line.js';
export type { LogFormat } from './log-line.js';
export { parseDuration, parseSize, formatDuration, formatElapsed, formatSize, UnitParseError, DURATION_PATTERN, SIZE_PATTERN } from './units.js';
export type { ConfigIssue } from './config/issues.js';
