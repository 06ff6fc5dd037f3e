import type { ProviderRegistry } from '../plugins/registry.js';
import { tpuSliceShape } from './tpu-offerings.js';

/** Kinds of accelerator a group may name; anything else in accelerator_type is a legacy variant. */
export const ACCELERATOR_TYPES = new Set(['cpu', 'gpu', 'tpu']);
/** Sections a pre-002 file wrote at the top level; they live under `defaults:` now. */
export const DEFAULTS_SECTIONS = ['timeouts', 'ssh', 'autoscaler', 'bootstrap'] as const;

/** TPU variants look like `v5litepod-16`, `v4-8`, `v6e-256`; GPU ones like `a100`, `h100`, `l4`. */
export function inferAcceleratorType(variant: string): 'tpu' | 'gpu' | 'cpu' {
  if (/^v\d+[a-z]*(-\d+|pod)/i.test(variant)) return 'tpu';
  if (/^(nvidia-)?(a100|a10g?|h100|h200|b200|gb200|l4|l40s?|t4|v100|p100|p4|k80|rtx)/i.test(variant)) return 'gpu';
  return 'cpu';
}

type PlainData = Record<string, unknown>;
const isPlainData = (v: unknown): v is PlainData => typeof v === 'object' && v !== null && !Array.isArray(v);

function hasMillisecondsMap(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasMillisecondsMap);
  if (!isPlainData(value)) return false;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'milliseconds') return true;
  return keys.some((k) => hasMillisecondsMap(value[k]));
}

/**
 * Whether plain data holds any form `normaliseLegacy` rewrites. It mirrors the normaliser, and only
 * decides whether the fast path may be tried: a miss still ends on the positioned path, because any
 * issue on the fast path sends the file there.
 */
export function hasLegacyForms(data: PlainData, registry: ProviderRegistry): boolean {
  if ('platform' in data || hasMillisecondsMap(data) || DEFAULTS_SECTIONS.some((k) => k in data)) return true;
  const isGcpWithZoneOrRegion = (block: unknown): boolean =>
    isPlainData(block) && typeof block['type'] === 'string' && registry.canonicalType(block['type']) === 'gcp' && ('zone' in block || 'region' in block);
  if (isGcpWithZoneOrRegion(data['provider'])) return true;
  const isAlias = (block: unknown): boolean =>
    isPlainData(block) &&
    typeof block['type'] === 'string' &&
    registry.canonicalType(block['type']) !== undefined &&
    registry.canonicalType(block['type']) !== block['type'];
  const controller = data['controller'];
  if (isPlainData(controller) && (['gcp', 'manual', 'local', 'bundle_prefix'].some((k) => k in controller) || isAlias(controller['provider']))) return true;
  if (isAlias(data['provider'])) return true;
  const defaults = data['defaults'];
  if (isPlainData(defaults)) {
    const has = (section: string, keys: string[]): boolean => isPlainData(defaults[section]) && keys.some((k) => k in (defaults[section] as PlainData));
    if (has('timeouts', ['boot_timeout', 'init_timeout']) || has('autoscaler', ['startup_grace_period', 'heartbeat_grace_period'])) return true;
    if (has('bootstrap', ['env_vars', 'worker_id'])) return true;
    if (isPlainData(defaults['ssh']) && (defaults['ssh'] as PlainData)['key_file'] === '') return true;
  }
  const groups = data['scale_groups'];
  if (!isPlainData(groups)) return false;
  return Object.values(groups).some((g) => {
    if (!isPlainData(g)) return false;
    if ('vm_type' in g || 'manual' in g || 'topology' in g || isAlias(g['provider']) || isGcpWithZoneOrRegion(g['provider'])) return true;
    const variant = g['accelerator_variant'];
    if (!('resources' in g) && typeof variant === 'string' && tpuSliceShape(variant) !== undefined) return true;
    const accel = g['accelerator_type'];
    return typeof accel === 'string' && !ACCELERATOR_TYPES.has(accel) && inferAcceleratorType(accel) !== 'cpu';
  });
}
