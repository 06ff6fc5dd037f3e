import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { CORE_VERSION } from '../version.js';
import type { PluginFailure } from './plugin-errors.js';

/** The folder a package.json of `tsyringe` sits in, as seen from `fromFile`, or undefined. */
function tsyringeDir(fromFile: string): string | undefined {
  try {
    return realpathSync(join(createRequire(fromFile).resolve('tsyringe/package.json'), '..'));
  } catch {
    return undefined;
  }
}

/**
 * Checks a plugin package's installation against this Iris before importing it: the plugin must
 * resolve the same tsyringe as core (two copies keep two separate containers, so its registrations
 * vanish) and its peerDependencies range must admit this @iris/core. Each failure names the
 * package and the fix.
 */
export function checkPackageDeps(packageName: string, packageDir: string): Omit<PluginFailure, 'specIndex'>[] {
  const manifest = join(packageDir, 'package.json');
  if (!existsSync(packageDir) || !statSync(packageDir).isDirectory() || !existsSync(manifest)) return [];
  const failures: Omit<PluginFailure, 'specIndex'>[] = [];
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { peerDependencies?: Record<string, string> };

  const range = pkg.peerDependencies?.['@iris/core'];
  if (range !== undefined && semver.validRange(range) !== null && !semver.satisfies(CORE_VERSION, range, { includePrerelease: true })) {
    failures.push({
      code: 'peer_range',
      packageName,
      message: `${packageName}: wants @iris/core ${range} (its peerDependencies) but this Iris has @iris/core ${CORE_VERSION}; install a version of ${packageName} made for @iris/core ${CORE_VERSION} (npm install ${packageName}@latest), or an Iris whose core is within ${range}`,
    });
  }

  const ours = tsyringeDir(fileURLToPath(import.meta.url));
  const theirs = tsyringeDir(manifest);
  if (ours !== undefined && theirs !== undefined && ours !== theirs) {
    failures.push({
      code: 'tsyringe_copy',
      packageName,
      message: `${packageName}: loads its own copy of tsyringe (${theirs}) instead of the one Iris uses (${ours}), so what it registers would be lost; make tsyringe a peerDependency of ${packageName} (not a dependency) and run npm dedupe`,
    });
  }
  return failures;
}
