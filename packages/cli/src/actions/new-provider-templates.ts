/**
 * Files of a new provider package (`iris providers new NAME`). The skeleton is a working provider
 * whose "cloud" is a folder of JSON records, so it builds and passes the conformance suite on day
 * one; its README lists what to replace with calls to the real API.
 */
export interface TemplateValues {
  /** Provider type, e.g. `acme`. */
  type: string;
  /** npm package name, e.g. `iris-provider-acme`. */
  packageName: string;
  /** PascalCase stem for class names, e.g. `Acme`. */
  className: string;
  coreVersion: string;
}

const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';

export function providerTemplate(v: TemplateValues): Record<string, string> {
  const { type, packageName, className } = v;
  const mapName = `${type.replace(/-/g, '_').toUpperCase()}_STATE_MAP`;
  return {
    'package.json': json({
      name: packageName,
      version: '0.1.0',
      description: `Iris provider: ${type}.`,
      license: 'MIT',
      type: 'module',
      main: './dist/index.js',
      types: './dist/index.d.ts',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
      files: ['dist', '!dist/**/*.test.*', '!dist/**/*.tsbuildinfo', 'README.md'],
      engines: { node: '>=20' },
      scripts: { build: 'tsc -p tsconfig.build.json', typecheck: 'tsc -p tsconfig.json', test: 'vitest run', prepack: 'npm run build' },
      keywords: ['iris', 'iris-provider'],
      // Peers, never dependencies: a second copy of either breaks injection and brand checks.
      peerDependencies: { '@iris/core': `^${v.coreVersion}`, tsyringe: '^4.10.0' },
      devDependencies: {
        '@iris/core': `^${v.coreVersion}`,
        '@iris/provider-testkit': `^${v.coreVersion}`,
        '@types/node': '^20.19.0',
        'reflect-metadata': '~0.2.2',
        tsyringe: '~4.10.0',
        typescript: '~6.0.2',
        vitest: '~4.1.12',
      },
    }),
    'tsconfig.json': json({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: true,
        types: ['node'],
        noEmit: true,
      },
      include: ['src/**/*.ts', 'test/**/*.ts', 'vitest.config.ts'],
    }),
    'tsconfig.build.json': json({
      extends: './tsconfig.json',
      compilerOptions: { noEmit: false, rootDir: 'src', outDir: 'dist', declaration: true, sourceMap: true },
      include: ['src/**/*.ts'],
    }),
    '.gitignore': 'node_modules/\ndist/\n*.tgz\n',
    'vitest.config.ts': `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['test/**/*.test.ts'], setupFiles: ['./test/setup.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
`,
    'test/setup.ts': `// tsyringe needs the Reflect polyfill before anything registers.
import 'reflect-metadata';
`,
    'src/schema.ts': `import type { JsonSchema } from '@iris/core';

/** A scale group's \`provider: {type: ${type}}\` block, after core applied the schema's defaults. */
export interface ${className}ProviderConfig {
  type: '${type}';
  /** TODO: replace with your API's settings (project, region, credentials file, …). */
  state_dir?: string;
}

/** Strict and documented: core refuses unknown keys, editors show every description. */
export const ${type.replace(/-./g, (m) => m[1]!.toUpperCase())}ProviderSchema: JsonSchema = {
  title: '${className} provider',
  description: 'TODO: one sentence on what this provider runs workers on.',
  type: 'object',
  properties: {
    type: { const: '${type}', description: 'Provider type: ${type}.' },
    state_dir: { type: 'string', pattern: '^/', description: 'Absolute folder of the stand-in backend (remove with it).' },
  },
  required: ['type'],
  additionalProperties: false,
};
`,
    'src/state.ts': `import type { VmState } from '@iris/core';

/** TODO: the states your API reports for a machine, each mapped to Iris's VmState. */
export const ${mapName}: Readonly<Record<string, VmState>> = {
  PROVISIONING: 'booting',
  RUNNING: 'ready',
  STOPPING: 'terminating',
  FAILED: 'failed',
};

export function map${className}State(raw: string): VmState {
  return ${mapName}[raw] ?? 'unknown';
}
`,
    'src/platform.ts': platformTemplate(v, mapName),
    'src/index.ts': `import { defineProvider } from '@iris/core';
import { ${className.charAt(0).toLowerCase() + className.slice(1)}PlatformFactory } from './platform.js';
import { ${type.replace(/-./g, (m) => m[1]!.toUpperCase())}ProviderSchema } from './schema.js';

/** The plugin a cluster file loads with \`plugins: [${type}]\`. */
const provider = defineProvider({
  type: '${type}',
  description: 'TODO: what this provider runs workers on.',
  configSchema: ${type.replace(/-./g, (m) => m[1]!.toUpperCase())}ProviderSchema,
  platformFactory: ${className.charAt(0).toLowerCase() + className.slice(1)}PlatformFactory,
});

export default provider;
export { ${type.replace(/-./g, (m) => m[1]!.toUpperCase())}ProviderSchema } from './schema.js';
export { ${mapName}, map${className}State } from './state.js';
export { ${className}Platform } from './platform.js';
`,
    'test/conformance.test.ts': `import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock, silentLogger, type PlatformDeps, type ScaleGroupConfig } from '@iris/core';
import { platformFromPlugin, runProviderConformance } from '@iris/provider-testkit';
import provider, { ${mapName}, map${className}State } from '../src/index.js';

const group: ScaleGroupConfig = {
  name: 'workers',
  provider: { type: '${type}' },
  accelerator_type: 'cpu',
  accelerator_variant: 'cpu',
  slice_size: 2,
  resources: { cpu: 1, ram: 1e9, disk: 1e9, gpu_count: 0, tpu_count: 0 },
  preemptible: false,
  min_slices: 0,
  max_slices: 2,
  priority: 100,
  attributes: {},
};

// TODO: point the backend at a test double of your API (an emulator on loopback, a sandbox account).
runProviderConformance({
  plugin: provider,
  sampleConfig: { type: '${type}' },
  stateTable: ${mapName},
  mapState: map${className}State,
  backend: async () => {
    const stateDir = mkdtempSync(join(tmpdir(), '${packageName}-'));
    const deps: PlatformDeps = {
      clusterName: 'conformance',
      bootstrap: { worker_port: 0, cache_dir: stateDir, env: {} },
      timeouts: { boot: 60_000, init: 60_000, ssh_poll_interval: 1_000 },
      ssh: { user: 'root', port: 22, connect_timeout: 10_000 },
      clock: new SystemClock(),
      logger: silentLogger,
      stateDir,
    };
    return {
      createPlatform: () => platformFromPlugin(provider, { type: '${type}' }, deps),
      group,
      bootstrap: { role: 'worker', labels: {}, providerOverrides: {} },
      // A slice larger than the backend has room for is a stockout: kind capacity.
      refuseCreate: () => ({ group: { ...group, slice_size: 1000 }, kinds: ['capacity'] }),
      cleanup: async () => rmSync(stateDir, { recursive: true, force: true }),
    };
  },
});
`,
    'README.md': `# ${packageName}

An [Iris](https://github.com/) provider for **${type}**, made with \`iris providers new ${type}\`.

It builds and passes \`@iris/provider-testkit\`'s conformance suite as generated, because its
"cloud" is a stand-in: a folder of JSON records. Replace that with your API.

## What to fill in

1. \`src/schema.ts\`: the keys of a group's \`provider:\` block (every key with a description;
   \`additionalProperties: false\` stays).
2. \`src/state.ts\`: your API's machine states, each mapped to a \`VmState\`.
3. \`src/platform.ts\`: \`createSlice\` (idempotent by request id: derive the machine names from it),
   \`listSlices\` (find machines by the labels you put on them, so a restarted controller adopts
   them), \`terminateSlice\` (gone already is success), \`listVms\`/\`stopVms\` (zone-scoped). Turn
   API failures into \`ProviderError\` kinds: \`capacity\`, \`quota\`, \`rate_limited\`,
   \`invalid_request\`, \`auth\`, \`not_found\`, \`transient\`.
4. \`test/conformance.test.ts\`: point the backend at an emulator or sandbox of your API, and make
   \`refuseCreate\` trigger a real refusal.
5. This README: a \`## Group block\` table of your keys, and how to install.

## Develop and publish

\`\`\`sh
npm install
npm run build
npm test                  # the conformance suite
npm publish               # @iris/core and tsyringe stay peerDependencies
\`\`\`

Users then add \`plugins: [${type}]\` to their cluster file and \`npm install ${packageName}\` next to it.
See docs/writing-a-provider.md in the Iris repository.
`,
  };
}

function platformTemplate(v: TemplateValues, _mapName: string): string {
  const { type, className } = v;
  const factory = className.charAt(0).toLowerCase() + className.slice(1);
  return `import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LABEL_CLUSTER,
  LABEL_GROUP,
  LABEL_SLICE,
  ProviderError,
  aggregateSliceState,
  matchesLabels,
  sanitizeLabelValue,
  type ControllerConfig,
  type ControllerHost,
  type CreateSliceRequest,
  type ListVmsQuery,
  type Platform,
  type PlatformDeps,
  type PlatformFactory,
  type ProviderConfig,
  type ScaleGroupConfig,
  type SliceInfo,
  type StartVmsRequest,
  type Tunnel,
  type VmInfo,
  type VmManager,
} from '@iris/core';
import { map${className}State } from './state.js';

/** TODO: the stand-in backend's limit; a real API reports stockouts itself. */
const MAX_SLICE_SIZE = 16;

interface SliceRecord {
  sliceId: string;
  group: string;
  requestId: string;
  labels: Record<string, string>;
  createdAtMs: number;
  vms: { vmId: string; rawState: string }[];
}

/** TODO: replace this folder of JSON records with your API client. */
class Backend {
  constructor(private readonly dir: string) {}
  get(id: string): SliceRecord | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dir, id + '.json'), 'utf8')) as SliceRecord;
    } catch {
      return undefined;
    }
  }
  put(record: SliceRecord): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, record.sliceId + '.json'), JSON.stringify(record));
  }
  delete(id: string): void {
    rmSync(join(this.dir, id + '.json'), { force: true });
  }
  list(): SliceRecord[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.map((n) => this.get(n.replace(/\\.json$/, ''))).filter((r): r is SliceRecord => r !== undefined);
  }
}

function describe(record: SliceRecord): SliceInfo {
  const vms: VmInfo[] = record.vms.map((vm) => ({
    vmId: vm.vmId,
    address: '',
    labels: record.labels,
    state: map${className}State(vm.rawState),
    rawState: vm.rawState,
    createdAtMs: record.createdAtMs,
  }));
  return { sliceId: record.sliceId, group: record.group, labels: record.labels, state: aggregateSliceState(vms.map((v) => v.state)), vms, createdAtMs: record.createdAtMs, requestId: record.requestId };
}

class ${className}VmManager implements VmManager {
  readonly group: string;
  constructor(private readonly groupConfig: ScaleGroupConfig, private readonly backend: Backend, private readonly deps: PlatformDeps) {
    this.group = groupConfig.name;
  }

  private get selector(): Record<string, string> {
    return { [LABEL_CLUSTER]: sanitizeLabelValue(this.deps.clusterName), [LABEL_GROUP]: sanitizeLabelValue(this.group) };
  }

  async createSlice(request: CreateSliceRequest): Promise<SliceInfo> {
    // Idempotent: the request id names the slice, so a retried create finds the first one.
    const sliceId = \`\${sanitizeLabelValue(this.deps.clusterName)}-\${sanitizeLabelValue(this.group)}-\${createHash('sha256').update(request.requestId).digest('hex').slice(0, 10)}\`;
    const existing = this.backend.get(sliceId);
    if (existing) return describe(existing);
    if (this.groupConfig.slice_size > MAX_SLICE_SIZE) {
      throw new ProviderError('capacity', \`${type} group "\${this.group}": no room for a slice of \${this.groupConfig.slice_size}\`, { provider: '${type}' });
    }
    // TODO: create the machines through your API, labelled so listSlices finds them again.
    const record: SliceRecord = {
      sliceId,
      group: this.group,
      requestId: request.requestId,
      labels: { ...request.labels, ...this.selector, [LABEL_SLICE]: sliceId },
      createdAtMs: this.deps.clock.now(),
      vms: Array.from({ length: this.groupConfig.slice_size }, (_, i) => ({ vmId: \`\${sliceId}-\${i}\`, rawState: 'RUNNING' })),
    };
    this.backend.put(record);
    return describe(record);
  }

  async listSlices(): Promise<SliceInfo[]> {
    return this.backend.list().filter((r) => matchesLabels(r.labels, this.selector)).map(describe);
  }

  async terminateSlice(sliceId: string): Promise<void> {
    // Gone already is success.
    this.backend.delete(sliceId);
  }
}

export class ${className}Platform implements Platform {
  readonly type = '${type}';
  private readonly backend: Backend;

  constructor(config: ProviderConfig, private readonly deps: PlatformDeps) {
    const dir = typeof config['state_dir'] === 'string' ? config['state_dir'] : join(deps.stateDir, '${type}-backend');
    this.backend = new Backend(dir);
  }

  vmManager(group: ScaleGroupConfig): VmManager {
    return new ${className}VmManager(group, this.backend, this.deps);
  }

  async listVms(query: ListVmsQuery): Promise<VmInfo[]> {
    return this.backend.list().filter((r) => matchesLabels(r.labels, query.labels)).flatMap((r) => describe(r).vms);
  }

  async startVms(_request: StartVmsRequest): Promise<VmInfo[]> {
    throw new ProviderError('invalid_request', '${type} creates machines only as slices of a scale group', { provider: '${type}' });
  }

  async stopVms(vmIds: readonly string[]): Promise<void> {
    const wanted = new Set(vmIds);
    for (const r of this.backend.list()) if (r.vms.some((vm) => wanted.has(vm.vmId))) this.backend.delete(r.sliceId);
  }

  async tunnel(address: string): Promise<Tunnel> {
    return { localAddress: address, close: async () => undefined };
  }

  controllerHost(_controller: ControllerConfig): ControllerHost {
    const refuse = async (): Promise<never> => {
      throw new ProviderError('invalid_request', '${type} cannot host the controller', { provider: '${type}' });
    };
    return { start: refuse, stop: refuse, status: refuse, address: refuse };
  }
}

export const ${factory}PlatformFactory: PlatformFactory = {
  type: '${type}',
  create: (config, deps) => new ${className}Platform(config, deps),
};
`;
}
