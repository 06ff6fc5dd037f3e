export { createAutoscaler } from './create-autoscaler.js';
export type { AutoscalerDeps, ProviderCreateRate } from './create-autoscaler.js';
export { Autoscaler } from './autoscaler.js';
export type { AutoscalerInputs, AutoscalerParts, EvaluationReport, ReconcileOptions, ReconcileReport } from './autoscaler.js';
export { ScalingGroup } from './scaling-group.js';
export type { ScalingGroupOptions, TrackedSlice, GroupCounts, ScaleUpPlan, LaunchResult } from './scaling-group.js';
export { GroupHealth } from './group-health.js';
export type { HealthBlock, ZoneStockout } from './group-health.js';
export { routeDemand } from './routing.js';
export type { RoutingDecision, ShapeOutcome, RoutedBatch, UnmetBatch } from './routing.js';
export { demandShapeKey, staticMismatch, groupAttributes } from './demand-matching.js';
export { InMemorySliceStore } from './slice-store.js';
export type { SliceStore } from './slice-store.js';
export { TokenBucket } from './token-bucket.js';
export { CreateSlots } from './create-slots.js';
export { ActionLog } from './action-log.js';
export type { ActionListener } from './action-log.js';
export { sweepOrphans } from './orphans.js';
export type { OrphanReport } from './orphans.js';
export { groupZones } from './zones.js';
export type {
  AutoscalerStatus,
  AutoscalerExplanation,
  GroupStatus,
  SliceStatus,
  VmStatus,
  RoutingSummary,
  DemandExplanation,
  GroupExplanation,
} from './status.js';
export { CONSTRAINT_OPS, GROUP_AVAILABILITIES, UNMET_REASON_CODES, ACTION_TYPES } from './types.js';
export type {
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
} from './types.js';
export { FakePlatform, FakeVmManager } from './testing/fake-platform.js';
export type { FakeBehaviour, FakePlatformOptions, FakeSlice } from './testing/fake-platform.js';
export { TEST_AUTOSCALER_CONFIG, TEST_WORKER_BOOTSTRAP, testAutoscalerConfig, testScaleGroup } from './testing/fixtures.js';
export { FakeCluster } from './testing/fake-cluster.js';
export type { FakeClusterOptions } from './testing/fake-cluster.js';
export { seededRandom, randomInt } from './simulator/random.js';
export { runSimulation } from './simulator/simulator.js';
export type { SimulationInput, SimulationResult, SimulationSummary, TimelineEvent, JobOutcome } from './simulator/simulator.js';
export { parseScenario } from './simulator/scenario.js';
export type { Scenario, ScenarioJob, ScenarioFault } from './simulator/scenario.js';
export { TaskModel } from './simulator/task-model.js';
export type { SimJob, SimTaskState } from './simulator/task-model.js';
export { findLeakedVms, findLostJobs } from './simulator/invariants.js';
export { ShapeIndex } from './shape-index.js';
export type { ShapeBucket } from './shape-index.js';
