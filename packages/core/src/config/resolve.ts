import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ProviderRegistry } from '../plugins/registry.js';
import { validateProviderBlocks } from '../plugins/validate-blocks.js';
import { parseDuration, parseSize } from '../units.js';
import { deepFreeze, schemaDefaults } from './defaults.js';
import { autoscalerIssues } from './autoscaler-rules.js';
import { controllerIssues } from './controller-rules.js';
import { expandEnv } from './expand-env.js';
import type { ConfigIssue } from './issues.js';
import type { ClusterConfig, ProviderConfig } from './types.js';
import type { PathSegment, YamlSource } from './yaml-source.js';

type Plain = Record<string, unknown>;

export interface ResolveOptions {
  env: Readonly<Record<string, string | undefined>>;
}

const DURATIONS: readonly PathSegment[][] = [
  ['defaults', 'timeouts', 'boot'],
  ['defaults', 'timeouts', 'init'],
  ['defaults', 'timeouts', 'ssh_poll_interval'],
  ['defaults', 'ssh', 'connect_timeout'],
  ...[
    'evaluation_interval',
    'requesting_timeout',
    'scale_up_delay',
    'scale_down_delay',
    'scale_down_cooldown',
    'startup_grace',
    'heartbeat_grace',
    'backoff_initial',
    'backoff_max',
    'quota_timeout',
    'orphan_min_age',
    'short_lived_slice',
  ].map((k) => ['defaults', 'autoscaler', k]),
  ['defaults', 'job', 'scheduling_timeout'],
  ...['worker_timeout', 'max_wait', 'tick', 'login_code_ttl', 'session_ttl'].map((k) => ['controller', k]),
];

function section(obj: Plain, key: string): Plain {
  return obj[key] as Plain;
}

function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/**
 * From the validated, defaulted file to the frozen ClusterConfig: durations to milliseconds, sizes
 * to bytes, `${ENV}` expanded where allowed, `~` expanded, and each group's provider resolved (its
 * own, else the top-level one, else an error) with the provider's schema defaults applied.
 */
export function resolveCluster(
  file: Plain,
  source: YamlSource,
  registry: ProviderRegistry,
  options: ResolveOptions,
): { config?: ClusterConfig; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const out = structuredClone(file);
  const home = options.env['HOME'] || homedir();

  for (const path of DURATIONS) {
    const parent = path.slice(0, -1).reduce<Plain>((o, k) => section(o, String(k)), out);
    const key = String(path[path.length - 1]);
    if (parent[key] !== undefined) parent[key] = parseDuration(parent[key]);
  }

  const job = section(section(out, 'defaults'), 'job');
  job['memory'] = parseSize(job['memory']);
  job['disk'] = parseSize(job['disk']);
  issues.push(...autoscalerIssues(section(section(out, 'defaults'), 'autoscaler'), source));
  issues.push(...controllerIssues(section(out, 'controller'), source));

  const bootstrap = section(section(out, 'defaults'), 'bootstrap');
  const expand = (text: string, path: PathSegment[]): string => {
    const { value, unset } = expandEnv(text, options.env);
    for (const name of unset) issues.push(source.issueAt(path, `environment variable ${name} is not set; it expands to ""`, 'warning'));
    return value;
  };
  if (typeof bootstrap['controller_address'] === 'string') {
    const address = expand(bootstrap['controller_address'], ['defaults', 'bootstrap', 'controller_address']);
    if (address === '') delete bootstrap['controller_address'];
    else bootstrap['controller_address'] = address;
  }
  const env = bootstrap['env'] as Record<string, string>;
  for (const key of Object.keys(env)) env[key] = expand(env[key] as string, ['defaults', 'bootstrap', 'env', key]);
  const ssh = section(section(out, 'defaults'), 'ssh');
  if (typeof ssh['key_file'] === 'string') ssh['key_file'] = expandHome(ssh['key_file'], home);

  const withProviderDefaults = (block: Plain, controller: boolean): ProviderConfig => {
    const plugin = registry.get(String(block['type']));
    const schema = controller ? plugin?.controllerSchema : plugin?.configSchema;
    return (schema ? schemaDefaults(schema, block) : block) as ProviderConfig;
  };

  const top = out['provider'] as Plain | undefined;
  if (top) out['provider'] = withProviderDefaults(top, false);

  const groups = out['scale_groups'] as Record<string, Plain>;
  for (const [name, group] of Object.entries(groups)) {
    const at: PathSegment[] = ['scale_groups', name];
    if (group['name'] !== undefined && group['name'] !== name) {
      issues.push(source.issueAt([...at, 'name'], `name "${String(group['name'])}" differs from the group's key "${name}"; remove it or make them equal`));
    }
    group['name'] = name;
    const own = group['provider'] as Plain | undefined;
    if (own) group['provider'] = withProviderDefaults(own, false);
    else if (out['provider']) group['provider'] = structuredClone(out['provider']);
    else {
      issues.push(
        source.issueAtKey(
          at,
          `the group has no provider and the file sets no top-level provider: add provider: {type: …} to the group or at the top (installed: ${registry.types().join(', ')})`,
        ),
      );
    }
    const resources = group['resources'] as Plain;
    resources['ram'] = parseSize(resources['ram']);
    resources['disk'] = parseSize(resources['disk']);
    if ((group['min_slices'] as number) > (group['max_slices'] as number)) {
      issues.push(source.issueAt([...at, 'min_slices'], `min_slices (${String(group['min_slices'])}) is above max_slices (${String(group['max_slices'])})`));
    }
  }

  const controller = section(out, 'controller');
  const controllerProvider = controller['provider'] as Plain;
  const hostPlugin = registry.get(String(controllerProvider['type']));
  if (!hostPlugin?.controllerSchema) {
    const written = source.doc.hasIn(['controller', 'provider']);
    const able = registry
      .plugins()
      .filter((p) => p.controllerSchema)
      .map((p) => p.type);
    issues.push(
      source.issueAt(
        written ? ['controller', 'provider', 'type'] : ['controller'],
        `${written ? '' : 'the default controller provider '}"${String(controllerProvider['type'])}" ${hostPlugin ? 'cannot host the controller' : 'is not installed'}; set controller.provider to one that can (${able.join(', ') || 'none installed'})`,
      ),
    );
  } else {
    controller['provider'] = withProviderDefaults(controllerProvider, true);
  }
  controller['state_dir'] = expandHome(typeof controller['state_dir'] === 'string' ? controller['state_dir'] : join('~', '.iris', String(out['name'])), home);

  // Each provider's own cross-field rules (contract v2), on blocks with their defaults applied.
  if (!issues.some((i) => i.severity === 'error')) issues.push(...validateProviderBlocks(out, source, registry));

  if (issues.some((i) => i.severity === 'error')) return { issues };
  return { config: deepFreeze(out as unknown as ClusterConfig), issues };
}
