// `iris --version` cold versus `node -e 0`: the CLI must not make every invocation feel slow.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { distUrl } from './lib/paths.mjs';
import { formatMs, median, timeMs } from './lib/stats.mjs';

const RUNS = 15;
const WARMUP = 2;
const BAR_RATIO = 3;

function spawnMs(args) {
  return timeMs(() => {
    const child = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  });
}

export const name = 'cli-version-cold-start';
export const bar = `≤ ${BAR_RATIO}× node -e 0`;

export async function run() {
  fileURLToPath(distUrl('cli', 'main.js')); // fails early, with a hint, when the CLI is not built
  const iris = fileURLToPath(new URL('../../packages/cli/bin/iris.js', import.meta.url));
  const irisArgs = [iris, '--version'];
  const nodeArgs = ['-e', '0'];
  for (let i = 0; i < WARMUP; i++) {
    await spawnMs(irisArgs);
    await spawnMs(nodeArgs);
  }
  // Interleaved, so a burst of load from a neighbour hits both sides alike.
  const irisMs = [];
  const nodeMs = [];
  for (let i = 0; i < RUNS; i++) {
    irisMs.push(await spawnMs(irisArgs));
    nodeMs.push(await spawnMs(nodeArgs));
  }
  const ratio = median(irisMs) / median(nodeMs);
  return {
    figure: `${ratio.toFixed(2)}×`,
    pass: ratio <= BAR_RATIO,
    detail: `median of ${RUNS}: iris --version ${formatMs(median(irisMs))}, node -e 0 ${formatMs(median(nodeMs))}`,
  };
}
