export { startController, DEFAULT_CONTROLLER_LIMITS, controllerTimeouts, inputLimits, CONTROLLER_INFO_FILE, DATABASE_FILE } from './controller.js';
export type { StartControllerOptions, ControllerHandle, ControllerLimits } from './controller.js';
export { serve } from './serve.js';
export type { ServeOptions } from './serve.js';
export { schedule, matchesConstraint, matchesAll, describeConstraint } from './scheduler/index.js';
export type { PendingTask, WorkerCapacity, Assignment, ScheduleResult } from './scheduler/index.js';
export { ControllerState } from './state/controller-state.js';
export type { StateListener, ControllerStateOptions } from './state/controller-state.js';
export { deriveJobState } from './state/job-state.js';
export { openDatabase, migrate, schemaVersion } from './store/database.js';
export type { SqliteDatabase } from './store/database.js';
export { MIGRATIONS } from './store/migrations/index.js';
export type { Migration } from './store/migrations/index.js';
export { StateStore } from './store/state-store.js';
export type { SliceRow, StoreLimits } from './store/state-store.js';
export { loadOrCreateToken, TOKEN_FILE } from './api/auth.js';
export { jsonLogger } from './logger.js';
export { SqliteSliceStore } from './store/sqlite-slice-store.js';

// Autoscaler, scaling groups and simulator (fakes and fixtures are at @iris/controller/testing).
export {
  createAutoscaler,
  Autoscaler,
  ScalingGroup,
  GroupHealth,
  routeDemand,
  demandShapeKey,
  staticMismatch,
  groupAttributes,
  InMemorySliceStore,
  TokenBucket,
  CreateSlots,
  ActionLog,
  sweepOrphans,
  groupZones,
  CONSTRAINT_OPS,
  GROUP_AVAILABILITIES,
  UNMET_REASON_CODES,
  ACTION_TYPES,
  seededRandom,
  randomInt,
  runSimulation,
  parseScenario,
  TaskModel,
  findLeakedVms,
  findLostJobs,
  ShapeIndex,
} from './autoscaler/index.js';
export type {
  AutoscalerDeps,
  ProviderCreateRate,
  AutoscalerInputs,
  AutoscalerParts,
  EvaluationReport,
  ReconcileOptions,
  ReconcileReport,
  ScalingGroupOptions,
  TrackedSlice,
  GroupCounts,
  ScaleUpPlan,
  LaunchResult,
  HealthBlock,
  ZoneStockout,
  RoutingDecision,
  ShapeOutcome,
  RoutedBatch,
  UnmetBatch,
  SliceStore,
  ActionListener,
  OrphanReport,
  AutoscalerStatus,
  AutoscalerExplanation,
  GroupStatus,
  SliceStatus,
  VmStatus,
  RoutingSummary,
  DemandExplanation,
  GroupExplanation,
  DemandEntry,
  DemandResources,
  DemandConstraint,
  ConstraintOp,
  WorkerLiveness,
  WorkerSnapshot,
  StoredSlice,
  GroupAvailability,
  UnmetReason,
  UnmetReasonCode,
  ActionType,
  AutoscalerAction,
  SimulationInput,
  SimulationResult,
  SimulationSummary,
  TimelineEvent,
  JobOutcome,
  Scenario,
  ScenarioJob,
  ScenarioFault,
  SimJob,
  SimTaskState,
  ShapeBucket,
} from './autoscaler/index.js';

// The controller of a cluster file: platforms, scaling groups and the autoscaler around the core controller.
export { startClusterController } from './cluster/start-cluster-controller.js';
export type { StartClusterControllerOptions, ClusterControllerHandle } from './cluster/start-cluster-controller.js';
export { createPlatforms } from './cluster/platforms.js';
export { demandFromState, workerSnapshot } from './cluster/demand.js';
export type { AutoscalerView, AutoscalerSlot } from './api/server.js';

// The dashboard: static pages, one-time sign-in codes, the jobs tree and the masked config view.
export {
  LoginCodes,
  maskConfig,
  isSecretKey,
  MASKED,
  jobTree,
  JOB_TREE_SORTS,
  DashboardRoutes,
  DASHBOARD_PATH,
  SESSION_COOKIE,
  SessionStore,
  loadAssets,
  DASHBOARD_ASSETS_DIR,
} from './dashboard/index.js';
export type { LoginCode, SessionInfo, JobTreeQuery, JobTreeRow, JobTreePage, JobTreeSort, DashboardRoutesDeps, StaticAsset } from './dashboard/index.js';
export type { ConfigSlot } from './api/server.js';
