import type { JsonSchema } from '@iris/core';

/** The `provider:` block of a hello scale group, after defaults. */
export interface HelloProviderConfig {
  type: 'hello';
  /** Put on every worker as the `greeting` attribute, so jobs can constrain on it. */
  greeting: string;
  /** Base folder for slice records and worker folders; defaults under the controller's state_dir. */
  work_dir?: string;
}

/** JSON Schema (draft-07) of a group's `provider: {type: hello}` block. Strict: unknown keys are errors. */
export const helloProviderSchema: JsonSchema = {
  title: 'Hello provider',
  description: 'Example third-party provider: each VM is an Iris worker process on the controller machine.',
  type: 'object',
  properties: {
    type: { const: 'hello', description: 'Provider type: the hello example provider.' },
    greeting: {
      type: 'string',
      minLength: 1,
      default: 'hello',
      description: 'Greeting every worker of the group carries as its `greeting` attribute.',
    },
    work_dir: {
      type: 'string',
      pattern: '^/',
      description: 'Absolute folder for slice records and worker folders; defaults to `hello-workers` under `controller.state_dir`.',
    },
  },
  required: ['type'],
  additionalProperties: false,
};
