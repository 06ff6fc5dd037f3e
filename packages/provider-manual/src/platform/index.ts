export { ManualPlatform, manualPlatformFactory } from './manual-platform.js';
export type { ManualPlatformOptions } from './manual-platform.js';
export { ManualVmManager, manualSliceId } from './manual-vm-manager.js';
export { ManualControllerHost, MANUAL_CONTROLLER_FAILED } from './manual-controller-host.js';
export { MANUAL_STATE_MAP, mapManualState } from './manual-state-map.js';
export type { ManualRawState } from './manual-state-map.js';
export type { HostReport } from './host-reports.js';
export type { ManualProgram } from './program-shipper.js';
export { MANUAL_BOOTSTRAP_FAILED } from './bootstrap-step-error.js';
