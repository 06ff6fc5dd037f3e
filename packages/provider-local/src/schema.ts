import type { JsonSchema } from '@iris/core';
import type { LocalControllerConfig, LocalProviderConfig } from './config-types.js';

// `satisfies` ties the property list to the TS config type: adding a field to one without the
// other fails to compile.
const groupProperties = {
  type: { const: 'local', description: 'Provider type: workers as processes on this machine.' },
  work_dir: {
    type: 'string',
    // Relative paths would depend on the controller's working directory, which nobody controls.
    pattern: '^/',
    description: 'Base folder for the worker directories (an absolute path); defaults to a `local-workers` folder under `controller.state_dir`.',
  },
} satisfies Record<keyof LocalProviderConfig, JsonSchema>;

/** JSON Schema (draft-07) of a scale group's `provider: {type: local}` block. */
export const localProviderSchema: JsonSchema = {
  title: 'Local provider',
  description: 'Scale group of worker processes on the machine running the controller; for laptops and tests.',
  type: 'object',
  properties: groupProperties,
  required: ['type'],
  additionalProperties: false,
};

const controllerProperties = {
  type: { const: 'local', description: 'Provider type: run the controller as a local process.' },
  port: {
    type: 'integer',
    minimum: 0,
    maximum: 65535,
    default: 0,
    description: 'Port the controller listens on; 0 picks a free port (the chosen one is written to the state_dir).',
  },
  host: {
    type: 'string',
    minLength: 1,
    default: '127.0.0.1',
    description: 'Address the controller binds to; `0.0.0.0` lets workers on other machines reach it.',
  },
} satisfies Record<keyof LocalControllerConfig, JsonSchema>;

/** JSON Schema (draft-07) of the `controller.provider: {type: local}` block. */
export const localControllerSchema: JsonSchema = {
  title: 'Local controller',
  description: 'Runs the controller as a detached process on this machine.',
  type: 'object',
  properties: controllerProperties,
  required: ['type'],
  additionalProperties: false,
};
