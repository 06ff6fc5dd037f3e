import type { AcceleratorType } from '@iris/core';
import type { DemandConstraint, DemandEntry } from './types.js';

export interface ShapeBucket {
  readonly sample: DemandEntry;
  readonly ids: string[];
}

const constraintKeys = new WeakMap<readonly DemandConstraint[], string>();

function constraintsKey(constraints: readonly DemandConstraint[] | undefined): string {
  if (!constraints || constraints.length === 0) return '';
  let key = constraintKeys.get(constraints);
  if (key === undefined) {
    key = constraints.map((c) => `${c.key}\u0001${c.op}\u0001${c.value ?? ''}`).join('\u0002');
    constraintKeys.set(constraints, key);
  }
  return key;
}

/** A number mixing the numeric fields; equal shapes hash equal, and collisions are checked. */
function numericHash(e: DemandEntry): number {
  const r = e.resources;
  let h = r.cpu * 31 + r.ram / 1_048_576;
  h = h * 31 + r.disk / 1_048_576;
  h = h * 31 + r.accelerator_count;
  h = h * 31 + e.gang_size;
  return h * 3 + (e.preemptible === undefined ? 0 : e.preemptible ? 1 : 2) + (e.constraints?.length ?? 0) * 0.5;
}

function sameShape(a: DemandEntry, b: DemandEntry): boolean {
  const ra = a.resources;
  const rb = b.resources;
  return (
    a.gang_size === b.gang_size &&
    a.preemptible === b.preemptible &&
    ra.cpu === rb.cpu &&
    ra.ram === rb.ram &&
    ra.disk === rb.disk &&
    ra.accelerator_count === rb.accelerator_count &&
    constraintsKey(a.constraints) === constraintsKey(b.constraints)
  );
}

/**
 * Groups entries by shape (everything routing looks at) in first-seen order. Keys are the
 * accelerator strings and a numeric hash, verified field by field: building a string key per
 * entry cost about ten times more at 100k entries.
 */
export class ShapeIndex {
  private readonly byAccelerator = new Map<AcceleratorType, Map<string | undefined, Map<number, ShapeBucket[]>>>();
  readonly buckets: ShapeBucket[] = [];

  add(entry: DemandEntry): void {
    let byVariant = this.byAccelerator.get(entry.accelerator_type);
    if (!byVariant) {
      byVariant = new Map();
      this.byAccelerator.set(entry.accelerator_type, byVariant);
    }
    let byHash = byVariant.get(entry.accelerator_variant);
    if (!byHash) {
      byHash = new Map();
      byVariant.set(entry.accelerator_variant, byHash);
    }
    const hash = numericHash(entry);
    const chain = byHash.get(hash);
    if (chain) {
      for (const bucket of chain) {
        if (sameShape(bucket.sample, entry)) {
          bucket.ids.push(entry.id);
          return;
        }
      }
    }
    const fresh: ShapeBucket = { sample: entry, ids: [entry.id] };
    if (chain) chain.push(fresh);
    else byHash.set(hash, [fresh]);
    this.buckets.push(fresh);
  }
}
