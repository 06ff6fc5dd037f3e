import { afterEach, describe, expect, it } from 'vitest';
import { defineProvider, type ConfigIssue } from '../../src/index.js';
import { ConfigError, loadCluster, loadClusterText, loadPlugins, createProviderRegistry, PluginLoadError } from '../../src/config/index.js';
import { PluginProject } from '../helpers/plugin-project.js';
import { BUILTINS, LOAD } from '../helpers/test-providers.js';

const GROUP = `
    accelerator_type: cpu
    resources: { cpu: 1, ram: 1GB }`;

let project: PluginProject | undefined;
afterEach(() => {
  project?.remove();
  project = undefined;
});

async function loadErrors(file: string): Promise<ConfigIssue[]> {
  try {
    await loadCluster(file, LOAD);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.filter((i) => i.severity === 'error');
  }
  throw new Error('expected the load to fail');
}

describe('a third-party provider from plugins:', () => {
  it('loads by short name, validates its groups with its schema and builds its platform', async () => {
    project = new PluginProject().install('iris-provider-hello');
    const file = project.writeCluster(`name: greet
plugins: [hello]
scale_groups:
  hi:
    provider: { type: hello, greeting: hey }${GROUP}
  lab:
    provider: { type: manual, hosts: [10.0.0.1] }${GROUP}
`);
    const loaded = await loadCluster(file, LOAD);
    const hi = loaded.config.scale_groups['hi'];
    expect(hi?.provider).toEqual({ type: 'hello', greeting: 'hey', repeat: 1 });
    expect(loaded.config.scale_groups['lab']?.provider.type).toBe('manual');
    const entry = loaded.registry.entries().find((e) => e.type === 'hello');
    expect(entry).toMatchObject({ packageName: 'iris-provider-hello', version: '1.2.3', source: 'plugin', aliases: ['hi'] });
    expect(entry?.resolvedFrom).toContain('node_modules/iris-provider-hello');
    expect(loaded.registry.entries().find((e) => e.type === 'gcp')?.source).toBe('builtin');
    const platform = (await loaded.registry.createPlatform(hi!.provider, { clusterName: loaded.config.name } as never)) as unknown as { greeting: string };
    expect(platform.greeting).toBe('hey from greet');
  });

  it('reports its schema errors at the group, with its own field names', async () => {
    project = new PluginProject().install('iris-provider-hello');
    const file = project.writeCluster(`plugins: [hello]
scale_groups:
  hi:
    provider: { type: hi, greting: hey }${GROUP}
`);
    const errors = await loadErrors(file);
    expect(errors.map((e) => [e.line, e.column, e.path, e.message])).toEqual([
      [4, 15, 'scale_groups.hi.provider', 'missing required field "greeting" (required by the hello provider); add "greeting: <greeting>" — What to say'],
      [4, 27, 'scale_groups.hi.provider.greting', 'unknown key "greting" (did you mean "greeting"?)'],
    ]);
  });
});

describe('plugin resolution', () => {
  it('prefers @iris/provider-<name>, then iris-provider-<name>', async () => {
    project = new PluginProject().install('iris-provider-hello', '@iris/provider-hello').install('gcp-clone', 'iris-provider-hello');
    const [loaded] = await loadPlugins(['hello'], { baseDir: project.dir });
    expect(loaded?.packageName).toBe('iris-provider-hello');
    expect(loaded?.resolvedFrom).toContain('node_modules/@iris/provider-hello');
  });

  it('takes a full package name and a relative path as they are', async () => {
    project = new PluginProject().install('iris-provider-hello').copyTo('local-echo', 'providers/echo');
    const loaded = await loadPlugins(['iris-provider-hello', './providers/echo'], { baseDir: project.dir });
    expect(loaded.map((l) => [l.plugin.type, l.packageName, l.version, l.specIndex])).toEqual([
      ['hello', 'iris-provider-hello', '1.2.3', 0],
      ['echo', 'echo-provider', '0.0.7', 1],
    ]);
  });

  it('falls back to the caller search folders (the CLI install)', async () => {
    const cliInstall = new PluginProject().install('iris-provider-hello');
    project = new PluginProject();
    try {
      const [loaded] = await loadPlugins(['hello'], { baseDir: project.dir, searchDirs: [cliInstall.dir] });
      expect(loaded?.resolvedFrom.startsWith(cliInstall.dir)).toBe(true);
    } finally {
      cliInstall.remove();
    }
  });
});

describe('plugin failures name the package and surface at the plugins: entry', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['not found', '', 'nosuch', /plugin "nosuch" not found \(tried @iris\/provider-nosuch from .*; iris-provider-nosuch from .*\); install it/],
    [
      'default export not a plugin',
      'not-a-plugin:iris-provider-notaplugin',
      'notaplugin',
      /iris-provider-notaplugin: its default export is not an Iris provider plugin; export default defineProvider/,
    ],
    ['wrong apiVersion', 'old-api:iris-provider-oldapi', 'oldapi', /iris-provider-oldapi: speaks provider API version 2, this Iris speaks 1/],
    [
      'a different copy of @iris/core',
      'twin:iris-provider-twin',
      'twin',
      /iris-provider-twin: was made with a different copy of @iris\/core \(0\.0\.9\).*peerDependency.*npm dedupe/,
    ],
    ['a schema that does not compile', 'broken-schema:iris-provider-broken', 'broken', /iris-provider-broken: its configSchema is not a valid JSON Schema/],
    [
      'a schema that is not strict',
      'loose-schema:iris-provider-loose',
      'loose',
      /iris-provider-loose: its configSchema must be strict .*additionalProperties: false/,
    ],
    ['an import that throws', 'throws-on-import:iris-provider-explodes', 'explodes', /iris-provider-explodes: importing .* failed \(missing native binding\)/],
    [
      'a type or alias another package claims',
      'gcp-clone:iris-provider-gcpclone',
      'gcpclone',
      /iris-provider-gcpclone and @iris\/provider-gcp both provide provider type "tpu"/,
    ],
  ];

  it.each(cases)('%s', async (_name, install, spec, message) => {
    project = new PluginProject();
    if (install) {
      const [fixture, as] = install.split(':') as [string, string];
      project.install(fixture, as);
    }
    const file = project.writeCluster(`# cluster
plugins:
  - local
  - ${spec}
provider: { type: local }
`);
    const errors = await loadErrors(file);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 4, column: 5, path: 'plugins.1' });
    expect(errors[0]?.message).toMatch(message);
  });

  it('reports every failing plugin at once', async () => {
    project = new PluginProject().install('old-api', 'iris-provider-oldapi');
    const file = project.writeCluster('plugins: [nosuch, oldapi, alsomissing]\n');
    const errors = await loadErrors(file);
    expect(errors.map((e) => [e.path, e.column])).toEqual([
      ['plugins.0', 11],
      ['plugins.1', 19],
      ['plugins.2', 27],
    ]);
  });

  it('createProviderRegistry refuses two builtins claiming one type, naming both', () => {
    const twice = [...BUILTINS, { ...BUILTINS[0]!, plugin: { ...BUILTINS[0]!.plugin, aliases: [] }, packageName: 'other-gcp' }];
    expect(() => createProviderRegistry(twice)).toThrow(PluginLoadError);
    expect(() => createProviderRegistry(twice)).toThrow(/other-gcp and @iris\/provider-gcp both provide provider type "gcp"/);
  });

  it('a plugin whose register() throws is reported against its package', () => {
    const bad = {
      ...BUILTINS[2]!.plugin,
      register: () => {
        throw new Error('no docker');
      },
    };
    expect(() => createProviderRegistry([{ plugin: bad, packageName: 'x-local', version: '1.0.0' }])).toThrow(
      /x-local: register\(container\) threw \(no docker\)/,
    );
  });
});

describe('a contributed schema that passes the meta-schema but does not compile', () => {
  it('is blamed on its package when the composed schema is compiled', async () => {
    const dangling = defineProvider({
      type: 'dangling',
      description: 'Refers to a definition it does not have',
      configSchema: { type: 'object', additionalProperties: false, properties: { type: { const: 'dangling' }, size: { $ref: '#/definitions/nowhere' } } },
    });
    const builtins = [...BUILTINS, { plugin: dangling, packageName: 'iris-provider-dangling', version: '0.0.1' }];
    const err = (await loadClusterText('plugins: [dangling]\nprovider: { type: local }\n', 'c.yaml', { builtins, env: {} }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)).toEqual([
      expect.stringMatching(
        /^1:10 plugins: iris-provider-dangling: its configSchema does not compile \(.*nowhere.*\); fix the schema in iris-provider-dangling$/,
      ),
    ]);
  });
});
