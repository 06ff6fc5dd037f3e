import { describeReadmeTables } from '@iris/provider-testkit';
import { manualControllerSchema, manualProviderSchema } from '../src/index.js';

// The README's reference tables are written by hand; this keeps them from drifting from the schema.
describeReadmeTables(new URL('../README.md', import.meta.url), {
  'Group block': manualProviderSchema,
  'Controller block': manualControllerSchema,
});
