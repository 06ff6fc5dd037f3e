import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

/** The repository root (scripts/bench/lib → ../../..). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * URL of a built file of a workspace package. Benchmarks measure what ships (dist/), so a missing
 * build is an error that says how to fix it rather than a silent fallback to sources.
 */
export function distUrl(packageDir, file) {
  const path = `${repoRoot}packages/${packageDir}/dist/${file}`;
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: build first with \`npx nx run-many -t build\` (npm run build)`);
  }
  return new URL(`file://${path}`).href;
}
