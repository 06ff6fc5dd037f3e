import type { DemandConstraint, DemandEntry } from './types.js';

export interface ShapeBucket {
  readonly sample: DemandEntry;
  readonly ids: string[];
}

type Node = Map<unknown, Node | ShapeBucket>;

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

function child(node: Node, key: unknown): Node {
  let next = node.get(key) as Node | undefined;
  if (!next) {
    next = new Map();
    node.set(key, next);
  }
  return next;
}

/**
 * Groups entries by shape (everything routing looks at) in first-seen order. A trie of Maps keyed
 * by the raw field values: no per-entry string building, which dominated the cost at 100k entries.
 */
export class ShapeIndex {
  private readonly root: Node = new Map();
  readonly buckets: ShapeBucket[] = [];

  add(entry: DemandEntry): void {
    const r = entry.resources;
    let node = child(this.root, entry.accelerator_type);
    node = child(node, entry.accelerator_variant);
    node = child(node, entry.preemptible);
    node = child(node, entry.gang_size);
    node = child(node, r.cpu);
    node = child(node, r.ram);
    node = child(node, r.disk);
    node = child(node, r.accelerator_count);
    const leafKey = constraintsKey(entry.constraints);
    const bucket = node.get(leafKey) as ShapeBucket | undefined;
    if (bucket) {
      bucket.ids.push(entry.id);
      return;
    }
    const fresh: ShapeBucket = { sample: entry, ids: [entry.id] };
    node.set(leafKey, fresh);
    this.buckets.push(fresh);
  }
}
