import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);

/**
 * The built supervisor program (a plain script run by `node`). Tests run this package from source,
 * where only the built copy in dist/ is runnable.
 */
export const SUPERVISOR_MAIN = here.endsWith('.ts')
  ? resolve(dirname(here), '../../dist/runtime/supervisor-main.js')
  : join(dirname(here), 'supervisor-main.js');
