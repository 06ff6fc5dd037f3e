import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CORE_VERSION } from '../version.js';
import { checkPackageDeps } from './check-package-deps.js';

const workspaceModules = fileURLToPath(new URL('../../../../node_modules', import.meta.url));

describe('checkPackageDeps', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function plugin(peers: Record<string, string>, ownTsyringe: 'shared' | 'nested'): string {
    const root = mkdtempSync(join(tmpdir(), 'iris-deps-'));
    dirs.push(root);
    const pkg = join(root, 'node_modules', 'iris-provider-x');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'iris-provider-x', version: '1.0.0', peerDependencies: peers }));
    symlinkSync(join(workspaceModules, 'tsyringe'), join(root, 'node_modules', 'tsyringe'), 'dir');
    if (ownTsyringe === 'nested') cpSync(join(workspaceModules, 'tsyringe'), join(pkg, 'node_modules', 'tsyringe'), { recursive: true, dereference: true });
    return pkg;
  }

  it('accepts a plugin whose peer range admits this core and that shares its tsyringe', () => {
    expect(checkPackageDeps('iris-provider-x', plugin({ '@iris/core': `^${CORE_VERSION}` }, 'shared'))).toEqual([]);
  });

  it('reports a peer range that excludes this core, naming the package and the fix', () => {
    const [failure] = checkPackageDeps('iris-provider-x', plugin({ '@iris/core': '>=99.0.0' }, 'shared'));
    expect(failure?.code).toBe('peer_range');
    expect(failure?.message).toContain(`iris-provider-x: wants @iris/core >=99.0.0 (its peerDependencies) but this Iris has @iris/core ${CORE_VERSION}`);
  });

  it('reports a nested copy of tsyringe', () => {
    const [failure] = checkPackageDeps('iris-provider-x', plugin({}, 'nested'));
    expect(failure?.code).toBe('tsyringe_copy');
    expect(failure?.message).toContain('make tsyringe a peerDependency of iris-provider-x');
  });

  it('skips a plain file plugin (no package.json to read)', () => {
    expect(checkPackageDeps('./plugin.js', join(tmpdir(), 'no-such-plugin.js'))).toEqual([]);
  });
});
