import { createRequire } from 'node:module';

// Read from package.json at run time (src/ and dist/ both sit one level below it), so a release
// that bumps the manifest needs no generated file.
const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export const CORE_VERSION: string = pkg.version;
