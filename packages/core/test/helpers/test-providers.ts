import { defineProvider, type Platform, type PlatformDeps, type PlatformFactory, type ProviderConfig } from '../../src/index.js';
import { type BuiltinPlugin } from '../../src/config/index.js';

/**
 * First-party-like providers for core's own tests (core never imports the real provider packages).
 * Their schemas mirror the shape of the real ones: `type` const, strict, required fields.
 */
export interface RecordedPlatform extends Pick<Platform, 'type'> {
  config: ProviderConfig;
  deps: PlatformDeps;
}

function recordingFactory(type: string): PlatformFactory {
  // The registry is what is under test: the platform records what it was built from.
  return { type, create: (config, deps) => ({ type, config, deps }) as unknown as Platform };
}

export const testGcp = defineProvider({
  type: 'gcp',
  aliases: ['tpu'],
  description: 'Test GCP TPU provider',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'project_id', 'zones'],
    properties: {
      type: { const: 'gcp' },
      project_id: { type: 'string', minLength: 1 },
      zones: { type: 'array', minItems: 1, items: { type: 'string' } },
      runtime_version: { type: 'string' },
      network: { type: 'string', default: 'default' },
    },
  },
  controllerSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['type'],
    properties: {
      type: { const: 'gcp' },
      project_id: { type: 'string' },
      zone: { type: 'string' },
      machine_type: { type: 'string', default: 'n2-standard-4' },
      boot_disk_size_gb: { type: 'integer' },
      port: { type: 'integer', default: 10000 },
    },
  },
  platformFactory: recordingFactory('gcp'),
});

export const testManual = defineProvider({
  type: 'manual',
  description: 'Test SSH hosts provider',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'hosts'],
    properties: {
      type: { const: 'manual' },
      hosts: { type: 'array', minItems: 1, items: { type: 'string' } },
      ssh_user: { type: 'string' },
      ssh_key_file: { type: 'string' },
      ssh_port: { type: 'integer', default: 22 },
    },
  },
  controllerSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'host'],
    properties: { type: { const: 'manual' }, host: { type: 'string' }, port: { type: 'integer', default: 10000 } },
  },
  platformFactory: recordingFactory('manual'),
});

export const testLocal = defineProvider({
  type: 'local',
  description: 'Test local-process provider',
  configSchema: { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'local' } } },
  controllerSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['type'],
    properties: { type: { const: 'local' }, port: { type: 'integer', minimum: 0, default: 0 } },
  },
  platformFactory: recordingFactory('local'),
});

export const BUILTINS: readonly BuiltinPlugin[] = [
  { plugin: testGcp, packageName: '@iris/provider-gcp', version: '0.1.0' },
  { plugin: testManual, packageName: '@iris/provider-manual', version: '0.1.0' },
  { plugin: testLocal, packageName: '@iris/provider-local', version: '0.1.0' },
];

/** Options every test load uses: a fixed environment, so `~` and `${ENV}` are deterministic. */
export const ENV = { HOME: '/home/tester', IRIS_CONTROLLER_ADDRESS: '10.0.0.9:10000' };
export const LOAD = { builtins: BUILTINS, env: ENV } as const;
