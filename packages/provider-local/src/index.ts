import { localProvider } from './plugin.js';

export { localProvider };
export default localProvider;
export { localProviderSchema, localControllerSchema } from './schema.js';
export type { LocalProviderConfig, LocalControllerConfig } from './config-types.js';
export { LocalPlatform, localPlatformFactory } from './platform/local-platform.js';
export { LocalVmManager, localSliceId } from './platform/local-vm-manager.js';
export { LocalControllerHost } from './platform/local-controller-host.js';
export { LOCAL_STATE_MAP, mapLocalState } from './platform/local-state-map.js';
export type { LocalRawState } from './platform/local-state-map.js';
