import { localProvider } from './plugin.js';

export { localProvider };
export default localProvider;
export { localProviderSchema, localControllerSchema } from './schema.js';
export type { LocalProviderConfig, LocalControllerConfig } from './config-types.js';
