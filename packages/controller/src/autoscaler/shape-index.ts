import type { AcceleratorType } from '@iris/core';
import type { DemandConstraint, DemandEntry } from './types.js';

export interface ShapeBucket {
  readonly sample: DemandEntry;
  /** Entries of this shape. */
  count: number;
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
 * entry cost about ten times more at 100k entries. Membership is one typed array, so indexing
 * allocates nothing per entry; entry ids are gathered only when someone asks for them.
 */
export class ShapeIndex {
  readonly buckets: ShapeBucket[] = [];
  private readonly byAccelerator = new Map<AcceleratorType, Map<string | undefined, Map<number, number[]>>>();
  private readonly membership: Uint32Array;
  private idsCache: string[][] | undefined;

  private readonly entries: readonly DemandEntry[];

  constructor(entries: readonly DemandEntry[]) {
    // A snapshot: callers may reuse their array, and ids are gathered later, on demand.
    this.entries = entries.slice();
    this.membership = new Uint32Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const b = this.bucketOf(entries[i]!);
      this.membership[i] = b;
      this.buckets[b]!.count++;
    }
  }

  /** Entry ids of bucket `b`, in queue order. */
  ids(b: number): readonly string[] {
    if (!this.idsCache) {
      const cache: string[][] = this.buckets.map(() => []);
      for (let i = 0; i < this.entries.length; i++) cache[this.membership[i]!]!.push(this.entries[i]!.id);
      this.idsCache = cache;
    }
    return this.idsCache[b] ?? [];
  }

  private bucketOf(entry: DemandEntry): number {
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
      for (const b of chain) if (sameShape(this.buckets[b]!.sample, entry)) return b;
    }
    const b = this.buckets.length;
    this.buckets.push({ sample: entry, count: 0 });
    if (chain) chain.push(b);
    else byHash.set(hash, [b]);
    return b;
  }
}
