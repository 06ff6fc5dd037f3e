import { formatSize } from '@iris/core';
import type { ScaleGroupConfig } from '@iris/core';
import type { DemandConstraint, DemandEntry, UnmetReasonCode } from './types.js';

/** Attributes every worker of a group advertises, besides the group's own `attributes`. */
export function groupAttributes(group: ScaleGroupConfig): Record<string, string> {
  return {
    ...group.attributes,
    'scale-group': group.name,
    'accelerator-type': group.accelerator_type,
    'accelerator-variant': group.accelerator_variant,
    preemptible: String(group.preemptible),
  };
}

/**
 * Entries with the same shape route identically, so routing works per shape instead of per entry:
 * this is what keeps an evaluation linear in entries plus (shapes x groups).
 */
export function demandShapeKey(entry: DemandEntry): string {
  const r = entry.resources;
  const constraints = entry.constraints?.length ? entry.constraints.map((c) => `${c.key}\u0001${c.op}\u0001${c.value ?? ''}`).join('\u0002') : '';
  return [
    entry.accelerator_type,
    entry.accelerator_variant ?? '*',
    entry.preemptible === undefined ? '*' : String(entry.preemptible),
    entry.gang_size,
    r.cpu,
    r.ram,
    r.disk,
    r.accelerator_count,
    constraints,
  ].join('|');
}

function constraintHolds(c: DemandConstraint, attrs: Record<string, string>): boolean {
  const actual = attrs[c.key];
  switch (c.op) {
    case 'exists':
      return actual !== undefined;
    case 'not_exists':
      return actual === undefined;
    case 'eq':
      return actual === c.value;
    case 'ne':
      return actual !== c.value;
    default: {
      if (actual === undefined || c.value === undefined) return false;
      const a = Number(actual);
      const b = Number(c.value);
      const cmp = Number.isNaN(a) || Number.isNaN(b) ? actual.localeCompare(c.value) : a - b;
      if (c.op === 'gt') return cmp > 0;
      if (c.op === 'ge') return cmp >= 0;
      if (c.op === 'lt') return cmp < 0;
      return cmp <= 0;
    }
  }
}

/** Checks are ordered from coarse to specific; the index says how far a group got. */
const FIT_STAGES: readonly UnmetReasonCode[] = ['no_matching_group', 'gang_size_mismatch', 'insufficient_resources', 'constraints_unsatisfied'];

/**
 * Why `group` can never take `entry`, whatever its state; undefined when it can. A CPU entry fits
 * any group (TPU hosts included); a GPU/TPU entry needs the type and, when given, the variant.
 */
export function staticMismatch(entry: DemandEntry, group: ScaleGroupConfig): UnmetReasonCode | undefined {
  if (entry.accelerator_type !== 'cpu') {
    if (group.accelerator_type !== entry.accelerator_type) return 'no_matching_group';
    if (entry.accelerator_variant !== undefined && entry.accelerator_variant !== group.accelerator_variant) {
      return 'no_matching_group';
    }
  }
  if (entry.preemptible !== undefined && entry.preemptible !== group.preemptible) return 'no_matching_group';
  if (entry.gang_size > 1 && group.slice_size !== entry.gang_size) return 'gang_size_mismatch';
  const have = group.resources;
  const accelerators = group.accelerator_type === 'gpu' ? have.gpu_count : group.accelerator_type === 'tpu' ? have.tpu_count : 0;
  const need = entry.resources;
  if (need.cpu > have.cpu || need.ram > have.ram || need.disk > have.disk || need.accelerator_count > accelerators) {
    return 'insufficient_resources';
  }
  if (entry.constraints?.length) {
    const attrs = groupAttributes(group);
    if (!entry.constraints.every((c) => constraintHolds(c, attrs))) return 'constraints_unsatisfied';
  }
  return undefined;
}

/** The most specific mismatch across groups: the reason closest to success is the useful one. */
export function closestMismatch(reasons: readonly UnmetReasonCode[]): UnmetReasonCode {
  let best = 0;
  for (const r of reasons) best = Math.max(best, FIT_STAGES.indexOf(r));
  return FIT_STAGES[best] ?? 'no_matching_group';
}

export function describeMismatch(code: UnmetReasonCode, entry: DemandEntry): string {
  const what = `${entry.accelerator_type}${entry.accelerator_variant ? `/${entry.accelerator_variant}` : ''}`;
  switch (code) {
    case 'no_matching_group':
      return `no scale group offers ${what}${entry.preemptible === undefined ? '' : ` with preemptible=${entry.preemptible}`}`;
    case 'gang_size_mismatch':
      return `no ${what} group has slice_size ${entry.gang_size} for a gang of ${entry.gang_size} tasks`;
    case 'insufficient_resources':
      return `no ${what} group's VMs are large enough (need cpu=${entry.resources.cpu}, ram=${formatSize(Math.round(entry.resources.ram))}, disk=${formatSize(Math.round(entry.resources.disk))}, accelerators=${entry.resources.accelerator_count})`;
    case 'constraints_unsatisfied':
      return `no ${what} group's attributes satisfy the constraints`;
    default:
      return 'no group can take this entry now';
  }
}
