import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runIris } from '../run-iris.js';

const run = promisify(execFile);

// What `npm install` would put in the new package's node_modules, linked from the workspace so the
// test needs no registry: one copy each of core, the testkit and their peers.
const LINKS: Record<string, string> = {
  '@iris/core': 'packages/core',
  '@iris/provider-testkit': 'packages/provider-testkit',
  // The real `iris`, which the conformance suite's join check runs on each VM.
  '@iris/cli': 'packages/cli',
  tsyringe: 'node_modules/tsyringe',
  'reflect-metadata': 'node_modules/reflect-metadata',
  vitest: 'node_modules/vitest',
  typescript: 'node_modules/typescript',
  '@types/node': 'node_modules/@types/node',
};

describe('iris providers new NAME', () => {
  let dir: string;
  let pkg: string;
  // A clean environment: the outer Vitest's variables would change how the inner one runs.
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'FORCE_COLOR')),
    NO_COLOR: '1',
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'iris-scaffold-'));
    pkg = join(dir, 'acme');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a package skeleton whose README says what to fill in', async () => {
    const made = await runIris(['providers', 'new', 'acme', '--dir', pkg], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('created iris-provider-acme');
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(manifest['name']).toBe('iris-provider-acme');
    expect(Object.keys(manifest['peerDependencies'] ?? {}).sort()).toEqual(['@iris/core', 'tsyringe']);
    expect(manifest['dependencies']).toBeUndefined();
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
    expect(readme).toContain('## What to fill in');
    expect(readme).toMatch(/src\/acme-platform\.ts/);
    // A copy of the example provider, renamed: no trace of its old name.
    expect(readme).not.toMatch(/hello/i);
  });

  it('refuses a folder that is not empty, and a name that cannot be a provider type', async () => {
    const again = await runIris(['providers', 'new', 'acme', '--dir', pkg], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists and is not empty');
    const bad = await runIris(['providers', 'new', 'Acme_Cloud'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must be lower-case letters, digits and dashes');
  });

  it('builds, typechecks, and passes the conformance suite as generated', async () => {
    for (const [name, target] of Object.entries(LINKS)) {
      mkdirSync(join(pkg, 'node_modules', name, '..'), { recursive: true });
      symlinkSync(join(REPO_ROOT, target), join(pkg, 'node_modules', name), 'dir');
    }
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: pkg, env });
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: pkg, env });
    expect(readFileSync(join(pkg, 'dist/index.d.ts'), 'utf8')).toContain('acmeProviderSchema');
    const tests = await run(process.execPath, [join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'), 'run'], { cwd: pkg, env }).catch(
      (err: { stdout: string; stderr: string }) => {
        throw new Error(`the scaffold's tests failed:\n${err.stdout}\n${err.stderr}`);
      },
    );
    // Every check of the suite ran and passed: none skipped, none failed.
    expect(tests.stdout).toMatch(/Tests\s+(\d+) passed \(\1\)/);
    // The join check ran: each VM of the copy starts a real `iris worker` that registers under its VM id.
    expect(tests.stdout).not.toMatch(/skipped/);
  }, 120_000);
});
