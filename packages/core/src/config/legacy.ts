import { isMap, isPair, isScalar, Pair, Scalar, visit, YAMLMap, type Document, type Node } from 'yaml';
import type { ProviderRegistry } from '../plugins/registry.js';
import { formatDuration } from '../units.js';
import type { ConfigIssue } from './issues.js';
import { ACCELERATOR_TYPES, DEFAULTS_SECTIONS, inferAcceleratorType } from './legacy-detect.js';
import { TPU_ZONES_BY_REGION, tpuSliceShape } from './tpu-offerings.js';
import { compact, findPair, pathFromAncestors, replacePair } from './yaml-edit.js';
import type { PathSegment, YamlSource } from './yaml-source.js';

/** Every legacy-form warning starts with this. */
export const LEGACY_PREFIX = 'legacy: ';
const MIGRATE_HINT = '; run iris config migrate';

/**
 * Rewrites the legacy forms of a cluster file into the canonical form, in place on the YAML
 * Document (so `iris config migrate` keeps comments and positions still point at the user's text):
 *  - per-group `provider: {type: tpu|manual}` with a top-level `provider:` fallback
 *    (seeds/000), where `accelerator_type` may hold a variant like `v5litepod-16`;
 *  - the Python Iris layout: `platform:`, per-group `vm_type`, `zones`, `runtime_version` and
 *    `manual:`, `controller.{gcp,manual,local}`, renamed timeouts, `{milliseconds: N}` durations;
 *  - Python Iris spellings: top-level `bootstrap`/`timeouts`/`ssh`/`autoscaler` (under `defaults:` now), `zone:` and
 *    `region:` in a gcp block or `platform.gcp` (→ `zones:`), a group's `topology` (→ the `tpu-topology` attribute);
 *  - a TPU group without `resources` (and `slice_size`): filled in from the TPU offerings table;
 *  - provider aliases (`tpu` → `gcp`), which are first-class and rewritten without a warning.
 * Each rewrite yields a warning; impossible legacy values yield errors.
 */
export function normaliseLegacy(source: YamlSource, registry: ProviderRegistry): ConfigIssue[] {
  const doc = source.doc;
  if (!isMap(doc.contents)) return [];
  const n = new Normaliser(source, doc, registry);
  n.millisecondDurations();
  n.topLevelDefaults();
  const platform = n.platform();
  n.controller(platform);
  n.defaults();
  n.groups(platform);
  n.gcpZones();
  n.aliases();
  return n.issues;
}

interface LegacyPlatform {
  /** The provider the platform section implied for every group (`gcp` or `local`). */
  provider?: Record<string, unknown>;
  gcp?: { project_id?: unknown; zones?: unknown; zone?: unknown };
}

class Normaliser {
  readonly issues: ConfigIssue[] = [];

  constructor(
    private readonly source: YamlSource,
    private readonly doc: Document.Parsed,
    private readonly registry: ProviderRegistry,
  ) {}

  private warn(path: PathSegment[], message: string): void {
    // At the key: a legacy section is named by its key, and its value may already be rewritten.
    this.issues.push(this.source.issueAtKey(path, `${LEGACY_PREFIX}${message}${MIGRATE_HINT}`, 'warning'));
  }

  private error(path: PathSegment[], message: string): void {
    this.issues.push(this.source.issueAt(path, message, 'error'));
  }

  private map(path: PathSegment[]): YAMLMap | undefined {
    const node = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    return isMap(node) ? node : undefined;
  }

  private plain(path: PathSegment[]): unknown {
    const node = this.doc.getIn(path, true);
    return node && typeof (node as { toJSON?: unknown }).toJSON === 'function' ? (node as { toJSON(): unknown }).toJSON() : node;
  }

  /**
   * A new node for `value` that reports at the legacy node it was made from, so an error inside a
   * rewritten block (a manual group with no hosts) points at what the user wrote.
   */
  private positioned(value: unknown, origin: unknown): Node {
    const node = this.doc.createNode(value);
    const range = (origin as { range?: Node['range'] } | undefined)?.range;
    if (range) node.range = range;
    return node;
  }

  /** `{milliseconds: N}` (the Python Duration message) → a duration string. */
  millisecondDurations(): void {
    visit(this.doc, {
      Map: (_key, node, path) => {
        if (node.items.length !== 1) return undefined;
        const pair = node.items[0];
        if (!isPair(pair) || !isScalar(pair.key) || pair.key.value !== 'milliseconds') return undefined;
        if (!isScalar(pair.value) || typeof pair.value.value !== 'number' || !Number.isInteger(pair.value.value) || pair.value.value < 0) return undefined;
        const ms = pair.value.value;
        this.warn(pathFromAncestors(path), `duration {milliseconds: ${ms}} is written "${formatDuration(ms)}" now`);
        const replacement = new Scalar(formatDuration(ms));
        replacement.range = node.range;
        // `{milliseconds: 120000}  # why` keeps its comment.
        if (node.comment) replacement.comment = node.comment;
        else if (pair.value.comment) replacement.comment = pair.value.comment;
        return replacement;
      },
    });
  }

  /** Pre-002 files wrote `bootstrap:`, `timeouts:`, `ssh:` and `autoscaler:` at the top level. */
  topLevelDefaults(): void {
    const root = this.doc.contents as YAMLMap;
    for (const key of DEFAULTS_SECTIONS) {
      const pair = findPair(root, key);
      if (!pair) continue;
      this.warn([key], `top-level "${key}:" belongs under "defaults:" (moved to defaults.${key})`);
      let defaults = this.map(['defaults']);
      if (!defaults) {
        defaults = new YAMLMap();
        replacePair(root, key, [new Pair(new Scalar('defaults'), defaults), pair as Pair]);
      }
      const existing = defaults.get(key, true);
      if (isMap(existing) && isMap(pair.value)) {
        // Both spellings present: the one under defaults wins, key by key.
        for (const item of pair.value.items) if (isScalar(item.key) && !existing.has(item.key.value)) existing.items.push(item);
      } else if (existing === undefined) {
        defaults.items.push(new Pair(new Scalar(key), pair.value));
      }
      root.delete(key);
    }
  }

  /** The TPU zones of a Python Iris `region:`, or an error at it naming what to write instead. */
  private regionZones(at: PathSegment[], region: unknown): string[] | undefined {
    if (region === undefined) return undefined;
    const zones = typeof region === 'string' ? TPU_ZONES_BY_REGION[region] : undefined;
    if (zones) return [...zones];
    this.error(
      at,
      `region ${JSON.stringify(region)} has no Cloud TPU zones Iris knows of; write zones: [<zone>, …] instead (regions with TPUs: ${Object.keys(TPU_ZONES_BY_REGION).join(', ')})`,
    );
    return undefined;
  }

  /** `zone: X` and `region: R` in a gcp provider block (Python Iris) → `zones:`. */
  gcpZones(): void {
    const blocks: PathSegment[][] = [['provider']];
    for (const pair of this.map(['scale_groups'])?.items ?? []) if (isScalar(pair.key)) blocks.push(['scale_groups', String(pair.key.value), 'provider']);
    for (const at of blocks) {
      const block = this.map(at);
      const type = block?.get('type');
      if (!block || typeof type !== 'string' || this.registry.canonicalType(type) !== 'gcp') continue;
      const zone = block.get('zone', true);
      if (zone !== undefined) {
        const value = isScalar(zone) ? zone.value : undefined;
        if (block.has('zones')) {
          this.warn([...at, 'zone'], `zone ${JSON.stringify(value)} is dropped: the block lists zones:`);
          block.delete('zone');
        } else {
          this.warn([...at, 'zone'], `zone: ${String(value)} is written zones: [${String(value)}] now`);
          replacePair(block, 'zone', [new Pair(new Scalar('zones'), this.flow([value], zone))]);
        }
      }
      const region = block.get('region', true);
      if (region === undefined) continue;
      const value = isScalar(region) ? region.value : undefined;
      if (block.has('zones')) {
        this.warn([...at, 'region'], `region ${JSON.stringify(value)} is dropped: the block lists zones:`);
        block.delete('region');
        continue;
      }
      const zones = this.regionZones([...at, 'region'], value);
      if (!zones) {
        // Reported above with what to write; the schema need not call it an unknown key too.
        block.delete('region');
        continue;
      }
      this.warn([...at, 'region'], `region: ${String(value)} is written as its TPU zones now: zones: [${zones.join(', ')}]`);
      replacePair(block, 'region', [new Pair(new Scalar('zones'), this.flow(zones, region))]);
    }
  }

  /** A flow-style (`[a, b]`, `{a: 1}`) node for `value`, positioned at `origin`. */
  private flow(value: unknown, origin: unknown): Node {
    const node = this.positioned(value, origin);
    (node as { flow?: boolean }).flow = true;
    return node;
  }

  /** `platform: {label_prefix, gcp|manual|local}` → `name:` and a top-level `provider:`. */
  platform(): LegacyPlatform {
    const platform = this.map(['platform']);
    if (!platform) return {};
    const root = this.doc.contents as YAMLMap;
    const result: LegacyPlatform = {};
    const replacements: Pair[] = [];
    this.warn(['platform'], 'the "platform:" section (Python Iris layout) is now "name:" and a top-level "provider:"');
    const prefix = platform.get('label_prefix', true);
    if (prefix !== undefined && !root.has('name')) replacements.push(new Pair(new Scalar('name'), prefix));

    const gcp = this.plain(['platform', 'gcp']) as Record<string, unknown> | undefined;
    if (platform.has('gcp')) {
      const g = gcp ?? {};
      const listed = (key: string): unknown[] | undefined => (Array.isArray(g[key]) && (g[key] as unknown[]).length > 0 ? (g[key] as unknown[]) : undefined);
      const zones =
        listed('zones') ?? listed('default_zones') ?? (g['zone'] !== undefined ? [g['zone']] : this.regionZones(['platform', 'gcp', 'region'], g['region']));
      if (
        zones !== undefined &&
        g['region'] !== undefined &&
        listed('zones') === undefined &&
        listed('default_zones') === undefined &&
        g['zone'] === undefined
      ) {
        this.warn(['platform', 'gcp', 'region'], `region: ${String(g['region'])} is written as its TPU zones now: zones: [${zones.join(', ')}]`);
      }
      result.gcp = { project_id: g['project_id'], zones, zone: g['zone'] ?? (Array.isArray(zones) ? zones[0] : undefined) };
      result.provider = compact({ type: 'gcp', project_id: g['project_id'], zones });
    } else if (platform.has('local')) {
      result.provider = { type: 'local' };
    }
    // manual: {} implies nothing cluster-wide: each manual group lists its own hosts.
    if (result.provider && !root.has('provider')) replacements.push(new Pair(new Scalar('provider'), this.positioned(result.provider, platform)));
    replacePair(root, 'platform', replacements);
    return result;
  }

  /** `controller: {gcp|manual|local: {...}, bundle_prefix}` → `controller.provider`. */
  controller(platform: LegacyPlatform): void {
    const controller = this.map(['controller']);
    if (!controller) return;
    for (const type of ['gcp', 'manual', 'local'] as const) {
      if (!controller.has(type)) continue;
      this.warn(['controller', type], `controller.${type} is written controller.provider: {type: ${type}, ...} now`);
      const block = (this.plain(['controller', type]) ?? {}) as Record<string, unknown>;
      const provider: Record<string, unknown> = { type, ...block };
      if (type === 'gcp') {
        if (provider['project_id'] === undefined && platform.gcp?.project_id !== undefined) provider['project_id'] = platform.gcp.project_id;
        if (provider['zone'] === undefined && platform.gcp?.zone !== undefined) provider['zone'] = platform.gcp.zone;
      }
      const replacement = controller.has('provider') ? [] : [new Pair(new Scalar('provider'), this.positioned(compact(provider), controller.get(type, true)))];
      replacePair(controller, type, replacement);
    }
    if (controller.has('bundle_prefix')) {
      this.warn(['controller', 'bundle_prefix'], 'controller.bundle_prefix is gone: the controller holds bundles itself');
      controller.delete('bundle_prefix');
    }
  }

  /** Python names of the defaults sections. */
  defaults(): void {
    const renames: Array<[PathSegment[], string, string]> = [
      [['defaults', 'timeouts'], 'boot_timeout', 'boot'],
      [['defaults', 'timeouts'], 'init_timeout', 'init'],
      [['defaults', 'autoscaler'], 'startup_grace_period', 'startup_grace'],
      [['defaults', 'autoscaler'], 'heartbeat_grace_period', 'heartbeat_grace'],
      [['defaults', 'bootstrap'], 'env_vars', 'env'],
    ];
    for (const [at, from, to] of renames) {
      const section = this.map(at);
      const pair = section ? findPair(section, from) : undefined;
      if (!section || !pair || section.has(to)) continue;
      this.warn([...at, from], `${[...at, from].join('.')} is called ${to} now`);
      if (isScalar(pair.key)) pair.key.value = to;
      else pair.key = new Scalar(to);
    }
    const bootstrap = this.map(['defaults', 'bootstrap']);
    if (bootstrap?.has('worker_id')) {
      this.warn(['defaults', 'bootstrap', 'worker_id'], 'defaults.bootstrap.worker_id is gone: workers get their id from the controller');
      bootstrap.delete('worker_id');
    }
    const ssh = this.map(['defaults', 'ssh']);
    if (ssh && ssh.get('key_file') === '') {
      this.warn(['defaults', 'ssh', 'key_file'], 'an empty defaults.ssh.key_file is written by leaving it out');
      ssh.delete('key_file');
    }
  }

  groups(platform: LegacyPlatform): void {
    const groups = this.map(['scale_groups']);
    if (!groups) return;
    for (const pair of groups.items) {
      if (!isScalar(pair.key) || !isMap(pair.value)) continue;
      const name = String(pair.key.value);
      this.group(name, pair.value, platform);
      this.acceleratorVariant(name, pair.value);
      this.topology(name, pair.value);
      this.tpuResources(name, pair.value);
    }
  }

  /** A Python Iris group's `topology` (`4x4`) is what its workers advertise as the `tpu-topology` attribute. */
  private topology(name: string, group: YAMLMap): void {
    const node = group.get('topology', true);
    if (node === undefined) return;
    const value = String(isScalar(node) ? node.value : '');
    this.warn(
      ['scale_groups', name, 'topology'],
      `topology "${value}" is written attributes: {tpu-topology: "${value}"} now (the attribute TPU workers report and jobs can constrain on)`,
    );
    const existing: unknown = group.get('attributes', true);
    let attributes: YAMLMap;
    if (isMap(existing)) {
      attributes = existing;
      group.delete('topology');
    } else {
      attributes = this.flow({}, node) as YAMLMap;
      replacePair(group, 'topology', [new Pair(new Scalar('attributes'), attributes)]);
    }
    if (!attributes.has('tpu-topology')) attributes.set('tpu-topology', value);
  }

  /** A TPU group without `resources`: one VM of its variant, and its slice_size, from the offerings table. */
  private tpuResources(name: string, group: YAMLMap): void {
    if (group.has('resources')) return;
    const variant = group.get('accelerator_variant');
    const type = group.get('accelerator_type');
    if (typeof variant !== 'string' || (type ?? inferAcceleratorType(variant)) !== 'tpu') return;
    const shape = tpuSliceShape(variant);
    if (!shape) return;
    const { cpu, ram, tpu_count } = shape.host;
    const inferSliceSize = !group.has('slice_size') && shape.hosts > 1;
    const what = `resources: {cpu: ${cpu}, ram: ${ram}, tpu_count: ${tpu_count}}${inferSliceSize ? ` and slice_size: ${shape.hosts}` : ''}`;
    this.warn(
      ['scale_groups', name],
      `the group gives no resources: ${what} inferred for ${variant} from the TPU offerings table (${shape.hosts} VM${shape.hosts === 1 ? '' : 's'} per slice, ${tpu_count} chips and ${cpu} CPUs per VM); write them to make them explicit`,
    );
    const origin = group.get('accelerator_variant', true);
    const pairs = [new Pair(new Scalar('resources'), this.flow({ cpu, ram, tpu_count }, origin))];
    if (inferSliceSize) pairs.unshift(new Pair(new Scalar('slice_size'), this.positioned(shape.hosts, origin)));
    const at = group.items.findIndex((p) => isScalar(p.key) && p.key.value === 'accelerator_variant');
    group.items.splice(at + 1, 0, ...pairs);
  }

  /** Per-group `vm_type` (+ `zones`, `runtime_version`, `manual:`) → the group's `provider:`. */
  private group(name: string, group: YAMLMap, platform: LegacyPlatform): void {
    const at: PathSegment[] = ['scale_groups', name];
    const vmType = group.get('vm_type');
    const manual = this.plain([...at, 'manual']) as Record<string, unknown> | undefined;
    if (vmType === undefined && !group.has('manual')) return;
    const zones = this.plain([...at, 'zones']);
    const runtime = group.get('runtime_version');
    let provider: Record<string, unknown> | undefined;
    const kind = vmType ?? 'manual_vm';
    this.warn([...at, vmType !== undefined ? 'vm_type' : 'manual'], `vm_type ${String(kind)} is written as the group's provider: block now`);
    switch (kind) {
      case 'tpu_vm': {
        if (!platform.gcp) {
          this.error([...at, 'vm_type'], 'vm_type tpu_vm needs platform.gcp with a project_id (or give the group a provider: {type: gcp, project_id, zones})');
          break;
        }
        if (zones !== undefined || runtime !== undefined || platform.provider?.['type'] !== 'gcp') {
          provider = compact({ type: 'gcp', project_id: platform.gcp.project_id, zones: zones ?? platform.gcp.zones, runtime_version: runtime });
        }
        break;
      }
      case 'manual_vm': {
        const m = manual ?? {};
        provider = compact({ type: 'manual', hosts: m['hosts'], ssh_user: m['ssh_user'], ssh_key_file: m['ssh_key_file'] });
        break;
      }
      case 'local_vm':
        if (platform.provider?.['type'] !== 'local') provider = { type: 'local' };
        break;
      case 'gce_vm':
        this.error([...at, 'vm_type'], 'vm_type gce_vm was never supported; give the group a provider: block');
        break;
      default:
        this.error([...at, 'vm_type'], `unknown vm_type ${JSON.stringify(kind)}: expected one of tpu_vm, manual_vm, local_vm`);
    }
    const origin = group.get(vmType !== undefined ? 'vm_type' : 'manual', true);
    const replacement = provider && !group.has('provider') ? [new Pair(new Scalar('provider'), this.positioned(provider, origin))] : [];
    replacePair(group, vmType !== undefined ? 'vm_type' : 'manual', replacement);
    for (const key of ['vm_type', 'zones', 'runtime_version', 'manual']) group.delete(key);
  }

  /** seeds/000 wrote the variant in accelerator_type (`v5litepod-16`): move it and infer the type. */
  private acceleratorVariant(name: string, group: YAMLMap): void {
    const pair = findPair(group, 'accelerator_type');
    if (!pair || !isScalar(pair.value) || typeof pair.value.value !== 'string' || ACCELERATOR_TYPES.has(pair.value.value)) return;
    const variant = pair.value.value;
    const type = inferAcceleratorType(variant);
    // Only a recognisable accelerator model is the legacy form; anything else is a plain mistake
    // the schema reports.
    if (type === 'cpu') return;
    this.warn(
      ['scale_groups', name, 'accelerator_type'],
      `accelerator_type "${variant}" is a variant: written accelerator_type: ${type} with accelerator_variant: ${variant} now`,
    );
    const variantNode = pair.value;
    pair.value = new Scalar(type);
    (pair.value as Scalar).range = variantNode.range;
    if (!group.has('accelerator_variant')) {
      const index = group.items.indexOf(pair);
      group.items.splice(index + 1, 0, new Pair(new Scalar('accelerator_variant'), variantNode));
    }
  }

  /** `type: tpu` → `type: gcp` wherever a provider block is (silently: an alias is not a legacy form). */
  aliases(): void {
    const blocks: PathSegment[][] = [['provider'], ['controller', 'provider']];
    const groups = this.map(['scale_groups']);
    for (const pair of groups?.items ?? []) if (isScalar(pair.key)) blocks.push(['scale_groups', String(pair.key.value), 'provider']);
    for (const at of blocks) {
      const block = this.map(at);
      const typeNode = block?.get('type', true);
      if (!isScalar(typeNode) || typeof typeNode.value !== 'string') continue;
      const canonical = this.registry.canonicalType(typeNode.value);
      if (!canonical || canonical === typeNode.value) continue;
      // Aliases are first-class: rewritten to the canonical type for the schema, without a warning.
      typeNode.value = canonical;
    }
  }
}
