/** A mixed cluster file of `groups` groups: gcp, manual and local providers, some inheriting. */
export function generateCluster(groups: number): string {
  const lines = [
    'name: big',
    'provider: { type: gcp, project_id: big-project, zones: [us-central2-b] }',
    'defaults:',
    '  timeouts: { boot: 5m, init: 10m }',
    'scale_groups:',
  ];
  for (let i = 0; i < groups; i++) {
    lines.push(`  group_${i}:`);
    switch (i % 4) {
      case 0:
        lines.push(`    provider: { type: gcp, project_id: big-project, zones: [us-central2-b, us-central2-a], runtime_version: v2-alpha-tpuv5-lite }`);
        lines.push('    accelerator_type: tpu', `    accelerator_variant: v5litepod-${4 * (1 + (i % 8))}`, '    slice_size: 4');
        break;
      case 1:
        lines.push(`    provider:`, `      type: manual`, `      hosts: [10.${i >> 8}.${i & 255}.1, 10.${i >> 8}.${i & 255}.2]`, '      ssh_user: ray');
        lines.push('    accelerator_type: gpu', '    accelerator_variant: a100');
        break;
      case 2:
        lines.push('    provider: { type: local }');
        break;
      default:
        lines.push('    accelerator_type: tpu', '    accelerator_variant: v4-8');
    }
    lines.push(`    resources: { cpu: ${8 + (i % 64)}, ram: ${16 + (i % 256)}GB, disk: 100GB }`, `    max_slices: ${1 + (i % 10)}`, `    priority: ${i % 200}`);
  }
  return lines.join('\n') + '\n';
}
