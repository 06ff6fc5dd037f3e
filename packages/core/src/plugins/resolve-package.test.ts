import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { candidateNames, isPathSpec, resolvePackage, resolvePath } from './resolve-package.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iris-resolve-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function pkg(path: string, manifest: object, files: string[]): void {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'package.json'), JSON.stringify(manifest));
  for (const f of files) {
    mkdirSync(join(path, f, '..'), { recursive: true });
    writeFileSync(join(path, f), 'export default 1;\n');
  }
}

describe('resolvePackage', () => {
  it('walks up node_modules folders and picks the import entry of an ESM-only exports map', () => {
    pkg(
      join(dir, 'node_modules', '@acme', 'provider-x'),
      { name: '@acme/provider-x', version: '2.0.0', exports: { '.': { types: './x.d.ts', require: './x.cjs', import: './dist/x.js' } } },
      ['dist/x.js'],
    );
    const deep = join(dir, 'a', 'b');
    mkdirSync(deep, { recursive: true });
    expect(resolvePackage('@acme/provider-x', deep)).toEqual({
      packageName: '@acme/provider-x',
      version: '2.0.0',
      entryFile: join(dir, 'node_modules', '@acme', 'provider-x', 'dist', 'x.js'),
      location: join(dir, 'node_modules', '@acme', 'provider-x'),
    });
  });

  it('follows conditions in the package order, string exports, main, and index.js', () => {
    pkg(join(dir, 'node_modules', 'a'), { name: 'a', exports: { node: { import: './n.js' }, default: './d.js' } }, ['n.js', 'd.js']);
    pkg(join(dir, 'node_modules', 'b'), { name: 'b', exports: './b.js' }, ['b.js']);
    pkg(join(dir, 'node_modules', 'c'), { name: 'c', main: 'lib/c' }, ['lib/c.js']);
    pkg(join(dir, 'node_modules', 'd'), { name: 'd' }, ['index.js']);
    expect(resolvePackage('a', dir)?.entryFile).toBe(join(dir, 'node_modules', 'a', 'n.js'));
    expect(resolvePackage('b', dir)?.entryFile).toBe(join(dir, 'node_modules', 'b', 'b.js'));
    expect(resolvePackage('c', dir)?.entryFile).toBe(join(dir, 'node_modules', 'c', 'lib', 'c.js'));
    expect(resolvePackage('d', dir)?.entryFile).toBe(join(dir, 'node_modules', 'd', 'index.js'));
    expect(resolvePackage('missing', dir)).toBeUndefined();
  });

  it('a package with only a require entry has nothing to import', () => {
    pkg(join(dir, 'node_modules', 'cjs-only'), { name: 'cjs-only', exports: { require: './c.cjs' } }, ['c.cjs']);
    expect(resolvePackage('cjs-only', dir)).toBeUndefined();
  });
});

describe('plugin specs', () => {
  it('short names try @iris/provider-X, iris-provider-X, then X', () => {
    expect(candidateNames('hello')).toEqual(['@iris/provider-hello', 'iris-provider-hello', 'hello']);
    expect(candidateNames('iris-provider-hello')).toEqual(['iris-provider-hello']);
    expect(candidateNames('@acme/thing')).toEqual(['@acme/thing']);
  });

  it('paths are relative or absolute', () => {
    expect(['./x', '../x', '/abs/x'].map(isPathSpec)).toEqual([true, true, true]);
    expect(isPathSpec('hello')).toBe(false);
  });

  it('resolvePath takes a file, or a folder with package.json', () => {
    pkg(join(dir, 'local'), { name: 'local-thing', version: '0.3.0', main: 'p.js' }, ['p.js']);
    writeFileSync(join(dir, 'single.js'), 'export default 1;\n');
    expect(resolvePath('./local', dir)).toMatchObject({ packageName: 'local-thing', version: '0.3.0', entryFile: join(dir, 'local', 'p.js') });
    expect(resolvePath('./single.js', dir)).toMatchObject({ packageName: './single.js', entryFile: join(dir, 'single.js') });
    expect(resolvePath('./nope', dir)).toBeUndefined();
  });
});
