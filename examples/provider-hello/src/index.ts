import { helloProvider } from './plugin.js';

export default helloProvider;
export { helloProvider };
export { helloProviderSchema } from './schema.js';
export type { HelloProviderConfig } from './schema.js';
export { HelloPlatform, helloPlatformFactory } from './hello-platform.js';
export { HelloVmManager, helloSliceId } from './hello-vm-manager.js';
export { HELLO_STATE_MAP, mapHelloState } from './hello-state.js';
export type { HelloRawState } from './hello-state.js';
