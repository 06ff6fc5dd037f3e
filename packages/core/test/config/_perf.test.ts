import { it } from 'vitest';
import { loadClusterText } from '../../src/index.js';
import { generateCluster } from '../helpers/generate-cluster.js';
import { LOAD } from '../helpers/test-providers.js';
it('perf', async () => {
  const text = generateCluster(1000);
  for (let i = 0; i < 8; i++) {
    const t0 = performance.now();
    await loadClusterText(text, 'big.yaml', LOAD);
    console.log(`run ${i}: ${(performance.now() - t0).toFixed(1)} ms`);
  }
});
