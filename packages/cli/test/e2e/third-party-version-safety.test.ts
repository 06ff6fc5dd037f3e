import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runIris } from '../run-iris.js';

const PLUGIN = 'iris-provider-wrongly';

interface PluginSetup {
  apiVersion?: number;
  peerRange?: string;
  /** Install a private copy of this package inside the plugin's own node_modules. */
  nestedCopy?: '@iris/core' | 'tsyringe';
}

/**
 * A project with one third-party plugin installed the way npm would lay it out (core and tsyringe
 * shared at the top), except for the one defect under test.
 */
function project(setup: PluginSetup): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'iris-version-safety-'));
  const modules = join(dir, 'node_modules');
  const pkg = join(modules, PLUGIN);
  mkdirSync(join(modules, '@iris'), { recursive: true });
  mkdirSync(pkg, { recursive: true });
  symlinkSync(join(REPO_ROOT, 'packages/core'), join(modules, '@iris/core'), 'dir');
  symlinkSync(join(REPO_ROOT, 'node_modules/tsyringe'), join(modules, 'tsyringe'), 'dir');
  if (setup.nestedCopy === '@iris/core') {
    const copy = join(pkg, 'node_modules/@iris/core');
    mkdirSync(copy, { recursive: true });
    cpSync(join(REPO_ROOT, 'packages/core/package.json'), join(copy, 'package.json'));
    cpSync(join(REPO_ROOT, 'packages/core/dist'), join(copy, 'dist'), { recursive: true });
    // The copy's own dependencies (ajv, yaml…) come from the workspace, as an install would provide.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  }
  if (setup.nestedCopy === 'tsyringe') {
    cpSync(join(REPO_ROOT, 'node_modules/tsyringe'), join(pkg, 'node_modules/tsyringe'), { recursive: true, dereference: true });
  }
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({
      name: PLUGIN,
      version: '2.0.0',
      type: 'module',
      exports: './index.js',
      peerDependencies: { '@iris/core': setup.peerRange ?? '>=0.1.0', tsyringe: '^4.10.0' },
    }),
  );
  writeFileSync(
    join(pkg, 'index.js'),
    `import { defineProvider } from '@iris/core';
export default defineProvider({
  apiVersion: ${setup.apiVersion ?? 1},
  type: 'wrongly',
  description: 'A provider installed wrongly.',
  configSchema: {
    type: 'object',
    description: 'Wrongly.',
    properties: { type: { const: 'wrongly', description: 'Provider type.' } },
    required: ['type'],
    additionalProperties: false,
  },
});
`,
  );
  const file = join(dir, 'cluster.yaml');
  writeFileSync(file, `name: safety\nplugins: [wrongly]\nscale_groups: {}\n`);
  return { dir, file };
}

describe('version safety of third-party providers', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function providers(setup: PluginSetup): Promise<{ code: number | null; output: string }> {
    const { dir, file } = project(setup);
    dirs.push(dir);
    const run = await runIris(['providers', '-c', file], { cwd: dir, env: { HOME: dir } });
    return { code: run.code, output: `${run.stdout}\n${run.stderr}` };
  }

  it('loads the control plugin (the fixture itself is sound)', async () => {
    const run = await providers({});
    expect(run.output).toMatch(/wrongly\s+iris-provider-wrongly\s+2\.0\.0/);
    expect(run.code).toBe(0);
  });

  it('refuses a provider built for another apiVersion, naming it and what to install', async () => {
    const run = await providers({ apiVersion: 2 });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`${PLUGIN}: speaks provider API version 2, this Iris speaks 1`);
    expect(run.output).toContain(`install a version of ${PLUGIN} made for @iris/core`);
  });

  it('refuses a provider with its own nested copy of @iris/core', async () => {
    const run = await providers({ nestedCopy: '@iris/core' });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`${PLUGIN}: was made with a different copy of @iris/core`);
    expect(run.output).toContain(`make @iris/core a peerDependency of ${PLUGIN} and run npm dedupe`);
  });

  it('refuses a provider with its own nested copy of tsyringe', async () => {
    const run = await providers({ nestedCopy: 'tsyringe' });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain(`${PLUGIN}: loads its own copy of tsyringe`);
    expect(run.output).toContain(`make tsyringe a peerDependency of ${PLUGIN} (not a dependency) and run npm dedupe`);
  });

  it('refuses a provider whose peerDependencies range excludes the installed @iris/core', async () => {
    const run = await providers({ peerRange: '^9.0.0' });
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(
      new RegExp(`${PLUGIN}: wants @iris/core \\^9\\.0\\.0 \\(its peerDependencies\\) but this Iris has @iris/core \\d+\\.\\d+\\.\\d+`),
    );
    expect(run.output).toContain(`npm install ${PLUGIN}@latest`);
  });
});
