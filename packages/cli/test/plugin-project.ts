import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './run-iris.js';

/**
 * A throwaway project with a third-party provider package `iris-provider-hello` installed in its
 * node_modules and a cluster file that lists it. `@iris/core` and `tsyringe` are links to the
 * workspace's copies, as npm's peer dependencies would make them: one copy of each.
 */
export async function createHelloPluginProject(): Promise<{ dir: string; clusterFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'iris-cli-plugin-'));
  const modules = join(dir, 'node_modules');
  const pkg = join(modules, 'iris-provider-hello');
  await mkdir(join(modules, '@iris'), { recursive: true });
  await mkdir(pkg, { recursive: true });
  await symlink(join(REPO_ROOT, 'packages/core'), join(modules, '@iris/core'), 'dir');
  await symlink(join(REPO_ROOT, 'node_modules/tsyringe'), join(modules, 'tsyringe'), 'dir');
  await writeFile(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'iris-provider-hello', version: '1.2.3', type: 'module', main: 'index.js', exports: './index.js' }),
  );
  await writeFile(
    join(pkg, 'index.js'),
    `import { defineProvider } from '@iris/core';
export default defineProvider({
  type: 'hello',
  aliases: ['hi'],
  description: 'A provider that greets.',
  configSchema: {
    type: 'object',
    properties: { type: { const: 'hello' }, greeting: { type: 'string' } },
    required: ['type', 'greeting'],
    additionalProperties: false,
  },
});
`,
  );
  const clusterFile = join(dir, 'cluster.yaml');
  await writeFile(
    clusterFile,
    `name: greeter
plugins: [hello]
controller:
  provider: { type: local, port: 0 }
scale_groups:
  greeters:
    provider: { type: hello, greeting: hi }
    accelerator_type: cpu
    resources: { cpu: 1, ram: 1GB }
    max_slices: 1
`,
  );
  return { dir, clusterFile };
}
