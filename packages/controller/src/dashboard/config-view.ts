import { readFileSync } from 'node:fs';
import type { ClusterConfig, Platform } from '@iris/core';
import { isMap, isPair, isScalar, isSeq, parseDocument, visit, type Node } from 'yaml';
import { isSecretKey, MASKED, maskConfig } from './mask-config.js';

/**
 * GET /api/v1/config: the cluster file as written (secrets masked), the resolved config with
 * secrets masked, each group's provider beside it, and the price of one slice-hour where the
 * group's provider can price it.
 */
export function configView(config: ClusterConfig, byGroup: ReadonlyMap<string, Platform>, clusterFile: string | undefined): unknown {
  const groups = Object.entries(config.scale_groups).map(([name, group]) => {
    let costPerSliceHour: number | undefined;
    try {
      costPerSliceHour = byGroup.get(name)?.estimateCost?.(group, 1);
    } catch {
      costPerSliceHour = undefined; // pricing is informational; a provider that cannot price is not an error
    }
    return {
      name,
      provider_type: group.provider.type,
      provider: maskConfig(group.provider),
      ...(costPerSliceHour === undefined ? {} : { cost_per_slice_hour: costPerSliceHour }),
    };
  });
  const source = clusterFile === undefined ? undefined : readSource(clusterFile);
  return {
    name: config.name,
    ...(clusterFile ? { cluster_file: clusterFile } : {}),
    ...(source === undefined ? {} : { source }),
    groups,
    config: maskConfig(config),
  };
}

function readSource(file: string): string | undefined {
  try {
    return maskClusterFileText(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // unreadable now: the page shows the resolved config only
  }
}

/**
 * The cluster file as its author wrote it (comments, `5m`, `64GB`, key order, spacing), with the
 * same values masked as in the resolved view: values under secret-looking keys and every value of a
 * `bootstrap.env` block. Masked values are replaced in place by their source ranges, so every other
 * byte is the author's. Answers undefined when the text is not YAML the controller could have
 * loaded (it loaded this file a moment ago, so that means it changed on disk meanwhile).
 */
export function maskClusterFileText(text: string): string | undefined {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return undefined;
  const ranges: [number, number, string][] = [];
  visit(doc, {
    Pair(_key, pair, path) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) return undefined;
      const underEnv = keysOf(path).at(-1) === 'env' && keysOf(path).at(-2) === 'bootstrap';
      if (underEnv || isSecretKey(key)) {
        collect(pair.value as Node | null, ranges);
        return visit.SKIP;
      }
      return undefined;
    },
  });
  let out = text;
  for (const [from, to, replacement] of ranges.sort((a, b) => b[0] - a[0])) out = out.slice(0, from) + replacement + out.slice(to);
  return out;
}

/** The source range of every non-empty scalar under `node`, with what replaces it. */
function collect(node: Node | null, ranges: [number, number, string][]): void {
  if (node === null || node === undefined) return;
  if (isScalar(node)) {
    if (node.value === null || node.value === '' || !node.range) return;
    const quote = node.type === 'QUOTE_DOUBLE' ? '"' : node.type === 'QUOTE_SINGLE' ? "'" : '';
    ranges.push([node.range[0], node.range[1], `${quote}${MASKED}${quote}`]);
    return;
  }
  if (isMap(node)) for (const item of node.items) collect(item.value as Node | null, ranges);
  if (isSeq(node)) for (const item of node.items) collect(item as Node | null, ranges);
}

function keysOf(path: readonly unknown[]): string[] {
  const keys: string[] = [];
  for (const node of path) if (isPair(node) && isScalar(node.key)) keys.push(String(node.key.value));
  return keys;
}
