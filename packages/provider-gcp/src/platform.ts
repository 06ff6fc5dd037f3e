// The platform classes, behind their own entry point (`@iris/provider-gcp/platform`) because they
// load the Google client libraries; the package root stays light for config-only users.
export { GcpPlatform, gcpPlatformFactory, createGcpPlatformFactory, TPU_CREATES_PER_MINUTE, OPERATION_POLL_MS } from './platform/gcp-platform.js';
export type { GcpPlatformOptions } from './platform/gcp-platform.js';
export { TpuVmManager } from './platform/tpu-vm-manager.js';
export { GceControllerHost } from './controller/gce-controller-host.js';
export { GcpControllerPlatform } from './controller/gcp-controller-platform.js';
