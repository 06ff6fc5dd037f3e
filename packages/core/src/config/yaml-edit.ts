import { isPair, isScalar, isSeq, type Pair, type YAMLMap } from 'yaml';
import type { PathSegment } from './yaml-source.js';

// Edits of a parsed YAML Document that keep the file's order and comments (the legacy normaliser's tools).

export function findPair(map: YAMLMap, key: string): Pair<unknown, unknown> | undefined {
  return map.items.find((p) => (isScalar(p.key) ? p.key.value === key : p.key === key)) as Pair<unknown, unknown> | undefined;
}

/** Replaces the pair `key` of `map` by `pairs` at the same place, so the file keeps its order. */
export function replacePair(map: YAMLMap, key: string, pairs: Pair[]): void {
  const pair = findPair(map, key);
  if (!pair) return;
  const index = map.items.indexOf(pair as Pair);
  // Comments written before the old key stay before whatever replaces it.
  const first = pairs[0];
  if (first && isScalar(pair.key) && isScalar(first.key) && pair.key.commentBefore) first.key.commentBefore = pair.key.commentBefore;
  map.items.splice(index, 1, ...pairs);
}

/** Drops undefined fields. */
export function compact(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

/** The path of a node from the ancestors `visit` hands over. */
export function pathFromAncestors(ancestors: readonly unknown[]): PathSegment[] {
  const out: PathSegment[] = [];
  for (let i = 0; i < ancestors.length; i++) {
    const a = ancestors[i];
    if (isPair(a)) out.push(isScalar(a.key) ? String(a.key.value) : String(a.key));
    else if (isSeq(a)) {
      const next = ancestors[i + 1];
      if (next !== undefined) out.push(a.items.indexOf(next as never));
    }
  }
  return out;
}
