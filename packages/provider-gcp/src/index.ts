import { gcpProvider } from './plugin.js';

export { gcpProvider };
export default gcpProvider;
export { gcpProviderSchema, gcpControllerSchema, GCP_CAPACITIES } from './schema.js';
export type { GcpProviderConfig, GcpControllerConfig, GcpCapacity } from './config-types.js';
export { resolveCapacity, GCP_CONFIG_CONFLICT } from './capacity.js';
export type { GcpCapacityPlan } from './capacity.js';
export { defaultRuntimeVersion, resolveRuntimeVersion } from './runtime-versions.js';
export { TPU_STATE_MAP, TPU_NODE_STATE_NAMES, mapTpuState } from './platform/tpu-state.js';
export type { TpuNodeStateName } from './platform/tpu-state.js';
export { tpuNodeId } from './platform/tpu-node.js';
export { TPU_PRICES_AS_OF, TPU_CHIP_HOUR_PRICES, tpuHourlyPrice, estimateTpuCost } from './platform/tpu-prices.js';
export { renderWorkerStartupScript, renderControllerStartupScript } from './platform/startup-script.js';
export type { WorkerScriptSettings } from './platform/startup-script.js';
export { gcpErrorKind, toProviderError } from './api/gcp-errors.js';
export { CreateRateLimiter } from './api/create-rate-limiter.js';
export { parseApiEndpoint, GCP_BAD_ENDPOINT } from './api/endpoint.js';
