// Load + validate a generated 1,000-group cluster file mixing gcp, manual and local groups,
// in-process, through the same path as `iris config validate` (built-in plugins, composed schema).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distUrl } from './lib/paths.mjs';
import { formatMs, median, percentile, sampleMs } from './lib/stats.mjs';

const GROUPS = 1000;
const RUNS = 15;
const BAR_MS = 300;

/** A cluster file with `groups` scale groups cycling through the three built-in providers. */
export function generateMixedCluster(groups) {
  const lines = [
    'name: bench',
    'provider: { type: gcp, project_id: bench-project, zones: [europe-west4-b] }',
    'controller:',
    '  provider: { type: local, port: 0 }',
    'scale_groups:',
  ];
  for (let i = 0; i < groups; i++) {
    lines.push(`  group_${i}:`);
    switch (i % 3) {
      case 0:
        lines.push(
          `    provider: { type: gcp, project_id: bench-project, zones: [europe-west4-b, europe-west4-a], runtime_version: v2-alpha-tpuv5-lite }`,
          '    accelerator_type: tpu',
          '    accelerator_variant: v5litepod-16',
          '    slice_size: 4',
          '    resources: { cpu: 112, ram: 192GB, disk: 100GB, tpu_count: 4 }',
          '    preemptible: true',
          `    priority: ${i % 200}`,
        );
        break;
      case 1:
        lines.push(
          `    provider: { type: manual, hosts: [10.0.${Math.floor(i / 250)}.${i % 250}], ssh_user: ray }`,
          '    accelerator_type: gpu',
          '    accelerator_variant: a100',
          '    resources: { cpu: 32, ram: 256GB, gpu_count: 8 }',
        );
        break;
      default:
        lines.push('    provider: { type: local }', '    accelerator_type: cpu', '    resources: { cpu: 4, ram: 8GB }');
    }
    lines.push('    min_slices: 0', '    max_slices: 4');
  }
  return `${lines.join('\n')}\n`;
}

export const name = 'cluster-load-1000-groups';
export const bar = `≤ ${BAR_MS} ms`;

export async function run() {
  const { loadCluster } = await import(distUrl('core', 'config/index.js'));
  const { loadBuiltinPlugins } = await import(distUrl('cli', 'builtins.js'));
  const dir = await mkdtemp(join(tmpdir(), 'iris-bench-'));
  try {
    const file = join(dir, 'cluster.yaml');
    await writeFile(file, generateMixedCluster(GROUPS));
    const load = async () => {
      const loaded = await loadCluster(file, { builtins: await loadBuiltinPlugins(), env: {} });
      const count = Object.keys(loaded.config.scale_groups).length;
      if (count !== GROUPS) throw new Error(`loaded ${count} groups, expected ${GROUPS}`);
    };
    const samples = await sampleMs(load, { warmup: 3, runs: RUNS });
    const mid = median(samples);
    return {
      figure: formatMs(mid),
      pass: mid <= BAR_MS,
      detail: `median of ${RUNS} after 3 warm-up loads; p90 ${formatMs(percentile(samples, 90))}`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
