// One autoscaler evaluation (refresh, housekeeping, routing, scale-up and scale-down decisions) with
// 1,000 scale groups and 100k pending demand entries, then the same with 10x of everything
// (groups, accelerator variants, demand shapes, entries). Provider calls go to the in-memory fake
// provider on a frozen clock, so only the autoscaler's own work is measured.
import { distUrl } from './lib/paths.mjs';
import { formatMs, median, sampleMs } from './lib/stats.mjs';

const BAR_MS = 100;
const BAR_RATIO = 12;
const GiB = 1024 ** 3;

export const name = 'autoscaler-evaluation-1k-groups-100k-demand';
export const bar = `≤ ${BAR_MS} ms; 10× the work ≤ ${BAR_RATIO}× the time`;

function world(core, controller, scale) {
  const groupCount = 1_000 * scale;
  const variants = 50 * scale; // 20 groups per variant (zones, spot/on-demand, priorities)
  const shapes = 100 * scale;
  const entries = 100_000 * scale;
  const groups = {};
  for (let i = 0; i < groupCount; i++) {
    const name = `g${i}`;
    groups[name] = controller.testScaleGroup(name, {
      provider: { type: 'fake', zones: [`zone-${i % 3}`] },
      accelerator_variant: `v${i % variants}`,
      slice_size: i % 4 === 0 ? 4 : 1,
      preemptible: i % 2 === 0,
      max_slices: 100,
      priority: (i % 5) * 10,
    });
  }
  const demand = [];
  for (let i = 0; i < entries; i++) {
    const s = i % shapes;
    const cpuShape = s < 2; // a couple of CPU shapes, which fit every group
    demand.push({
      id: `job-${i % 997}/${i}`,
      resources: { cpu: 1 + (s % 8), ram: (1 + (s % 4)) * GiB, disk: 0, accelerator_count: cpuShape ? 0 : 4 },
      accelerator_type: cpuShape ? 'cpu' : 'tpu',
      ...(cpuShape ? {} : { accelerator_variant: `v${s % variants}` }),
      ...(s % 3 === 0 ? { preemptible: true } : {}),
      gang_size: 1,
    });
  }
  const clock = new core.FakeClock();
  const platform = new controller.FakePlatform({
    type: 'fake',
    clusterName: 'bench',
    clock,
    behaviour: { createLatencyMs: 60_000, bootMs: 60_000, initMs: 60_000, terminateLatencyMs: 1_000 },
  });
  const autoscaler = controller.createAutoscaler(
    new Map(Object.keys(groups).map((g) => [g, platform])),
    controller.testAutoscalerConfig({ max_parallel_creates: 256 }),
    groups,
    {
      clusterName: 'bench',
      clock,
      logger: core.silentLogger,
      sliceStore: new controller.InMemorySliceStore(),
      demand: () => demand,
      workers: () => new Map(),
      workerBootstrap: () => controller.TEST_WORKER_BOOTSTRAP,
      workerLaunch: controller.testWorkerLaunch,
      providerCreateRates: {},
      shortLivedSliceMs: 300_000,
      actionLogSize: 1_000,
      random: controller.seededRandom(1),
    },
  );
  return { autoscaler, groupCount, entries };
}

async function measure(core, controller, scale) {
  const { autoscaler } = world(core, controller, scale);
  // The first evaluation starts creates (256 in flight, then the cap holds); measure steady state.
  const samples = await sampleMs(() => autoscaler.runOnce(), { warmup: 2, runs: 9 });
  return median(samples);
}

export async function run() {
  const core = await import(distUrl('core', 'index.js'));
  const controller = { ...(await import(distUrl('controller', 'index.js'))), ...(await import(distUrl('controller', 'testing.js'))) };
  const base = await measure(core, controller, 1);
  const tenX = await measure(core, controller, 10);
  const ratio = tenX / base;
  return {
    figure: `${formatMs(base)}; 10×: ${formatMs(tenX)} (${ratio.toFixed(1)}×)`,
    pass: base <= BAR_MS && ratio <= BAR_RATIO,
    detail: 'median of 9 steady-state evaluations; 1k groups/50 variants/100 shapes/100k entries vs 10k/500/1000/1M',
  };
}
