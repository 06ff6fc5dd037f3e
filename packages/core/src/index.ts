// The plugin registry uses tsyringe, which needs the Reflect polyfill loaded before it.
import 'reflect-metadata';
export { IrisError, hasErrorCode, ProviderError, isProviderError, providerErrorKind, PROVIDER_ERROR_KINDS, PROVIDER_ERROR_CODE } from './errors.js';
export type { ProviderErrorKind, ProviderErrorOptions } from './errors.js';
export { SystemClock, FakeClock } from './clock.js';
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
} from './platform.js';
export { TOKENS } from './tokens.js';
export { silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export { defineProvider, isProviderPlugin, PROVIDER_PLUGIN_BRAND, PROVIDER_API_VERSION, CORE_INSTANCE } from './plugin.js';
export type { ProviderPlugin, ProviderDefinition, JsonSchema } from './plugin.js';
export { CORE_VERSION } from './version.js';
export type {
  ProviderConfig,
  AcceleratorType,
  ScaleGroupResources,
  ScaleGroupConfig,
  TimeoutsConfig,
  SshDefaultsConfig,
  AutoscalerConfig,
  BootstrapConfig,
  DefaultsConfig,
  ControllerConfig,
  ClusterConfig,
} from './config/types.js';
export {
  API_VERSION,
  API_PREFIX,
  AUTH_HEADER,
  TASK_STATES,
  TERMINAL_TASK_STATES,
  isTerminalTaskState,
  JOB_STATES,
  isTerminalJobState,
  REPORTABLE_ATTEMPT_STATES,
  CONSTRAINT_OPS,
  MAX_REPLICAS,
  DEFAULT_MAX_RETRIES_FAILURE,
  DEFAULT_MAX_RETRIES_PREEMPTION,
  LOG_STREAMS,
  API_ERROR_CODES,
  parseTaskId,
  taskIdOf,
  IrisClient,
  IrisApiError,
} from './api/index.js';
export type {
  TaskState,
  JobState,
  ReportableAttemptState,
  ConstraintOp,
  AttributeValue,
  Constraint,
  AcceleratorRequest,
  ResourceRequest,
  JobSubmitRequest,
  TaskCounts,
  JobSpec,
  JobView,
  JobSubmitResponse,
  TaskView,
  AttemptView,
  TaskDetailView,
  WorkerResources,
  WorkerAccelerator,
  WorkerRegisterRequest,
  WorkerRegisterResponse,
  WorkerView,
  AttemptReport,
  ReconcileRequest,
  AttemptStart,
  AttemptKill,
  ReconcileResponse,
  LogStream,
  LogLine,
  LogPushRequest,
  LogPushResponse,
  StoredLogLine,
  LogFetchResponse,
  BundleUploadResponse,
  ActionView,
  Page,
  HealthResponse,
  ApiErrorBody,
  IrisClientOptions,
  PageQuery,
  JobListQuery,
  LogFetchQuery,
} from './api/index.js';
export { parseDuration, parseSize, formatDuration, formatSize, UnitParseError, DURATION_PATTERN, SIZE_PATTERN } from './units.js';
export { DEFAULT_CONFIG, applyDefaults } from './config/defaults.js';
export { ConfigError, formatConfigIssue, CONFIG_ERROR_CODE } from './config/issues.js';
export type { ConfigIssue } from './config/issues.js';
export { loadCluster, loadClusterText } from './config/load-cluster.js';
export type { LoadClusterOptions, LoadedCluster } from './config/load-cluster.js';
export { migrateClusterText } from './config/migrate.js';
export { composeClusterSchema } from './config/validate.js';
export { ProviderRegistry, createProviderRegistry, PROVIDER_NOT_INSTALLED_CODE } from './plugins/registry.js';
export type { BuiltinPlugin, ProviderEntry } from './plugins/registry.js';
export { loadPlugins } from './plugins/load-plugins.js';
export type { LoadedPlugin, LoadPluginsOptions } from './plugins/load-plugins.js';
export { PluginLoadError, PLUGIN_ERROR_CODE } from './plugins/plugin-errors.js';
export type { PluginFailure, PluginFailureCode } from './plugins/plugin-errors.js';
export {
  shellQuote,
  shellJoin,
  remotePathExpr,
  PHASE_PREFIX,
  ERROR_PREFIX,
  STATUS_PREFIX,
  BOOTSTRAP_PHASES,
  parseBootstrapOutput,
  phaseOfLine,
  MIN_NODE_MAJOR,
  daemonStartScript,
  daemonStopScript,
  daemonStatusScript,
  workerDaemonSpec,
  controllerDaemonSpec,
  PROGRAM_COMPLETE_MARKER,
  programProbeScript,
  programUnpackScript,
  PROGRAM_BUNDLE_FAILED,
  packProgram,
  packageDirOf,
  pathInPackage,
} from './bootstrap/index.js';
export type {
  BootstrapPhase,
  ParsedBootstrapOutput,
  DaemonSpec,
  WorkerDaemonOptions,
  ControllerDaemonOptions,
  ProgramBundle,
  PackProgramOptions,
} from './bootstrap/index.js';
