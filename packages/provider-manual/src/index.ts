import { manualProvider } from './plugin.js';

export { manualProvider };
export default manualProvider;
export { manualProviderSchema, manualControllerSchema, HOST_ENTRY_PATTERN, FINGERPRINT_PATTERN } from './schema.js';
export type { ManualProviderConfig, ManualControllerConfig } from './config-types.js';
export { parseHostEntry, resolveManualHosts, MANUAL_HOSTS_INVALID } from './hosts.js';
export type { ManualHost, HostKeyPolicy } from './hosts.js';
export {
  ManualPlatform,
  manualPlatformFactory,
  ManualVmManager,
  manualSliceId,
  ManualControllerHost,
  MANUAL_CONTROLLER_FAILED,
  MANUAL_STATE_MAP,
  mapManualState,
  MANUAL_BOOTSTRAP_FAILED,
  programCacheDir,
  PROGRAM_CACHE_ENV,
} from './platform/index.js';
export type { ManualPlatformOptions, ManualRawState, HostReport, ManualProgram } from './platform/index.js';
export { SshConnection, SshPool, sha256Fingerprint, parseKnownHosts, knownHostsName, verifyHostKey, sshProviderError } from './ssh/index.js';
export type { SshTarget, SshConnectOptions, ExecOptions, ExecResult, SshPoolOptions, KnownHostEntry, HostKeyVerdict } from './ssh/index.js';
