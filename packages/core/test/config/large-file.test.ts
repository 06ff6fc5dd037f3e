import { describe, expect, it } from 'vitest';
import { loadClusterText } from '../../src/config/index.js';
import { generateCluster } from '../helpers/generate-cluster.js';
import { LOAD } from '../helpers/test-providers.js';

// Timing is a benchmark (BENCHMARKS.md), not a test assertion; this proves the large file is
// loaded correctly and completely.
describe('a generated 1,000-group mixed cluster file', () => {
  it('loads with every group resolved to its own or the inherited provider', async () => {
    const { config } = await loadClusterText(generateCluster(1000), 'big.yaml', LOAD);
    const groups = Object.values(config.scale_groups);
    expect(groups).toHaveLength(1000);
    const byType = groups.reduce<Record<string, number>>((n, g) => ({ ...n, [g.provider.type]: (n[g.provider.type] ?? 0) + 1 }), {});
    expect(byType).toEqual({ gcp: 500, manual: 250, local: 250 });
    expect(config.scale_groups['group_3']?.provider).toEqual(config.provider);
    expect(config.scale_groups['group_1']?.resources.ram).toBe(17e9);
  });
});
