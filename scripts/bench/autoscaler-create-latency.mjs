// New demand -> provider create call: the time from `notifyDemand()` to the fake provider seeing
// createSlice, on the real clock, for a group that may scale (no cooldown, tokens available).
import { distUrl } from './lib/paths.mjs';
import { formatMs, percentile } from './lib/stats.mjs';

const BAR_MS = 100;
const SAMPLES = 50;
// A slice's worth per demand entry: the autoscaler packs demand, so each entry must fill one
// VM of testScaleGroup (32 CPUs) for every entry to need a slice of its own.
const SLICE_CPU = 32;

export const name = 'autoscaler-new-demand-to-create-call';
export const bar = `≤ ${BAR_MS} ms`;

export async function run() {
  const core = await import(distUrl('core', 'index.js'));
  const controller = { ...(await import(distUrl('controller', 'index.js'))), ...(await import(distUrl('controller', 'testing.js'))) };
  const clock = new core.SystemClock();
  const platform = new controller.FakePlatform({
    type: 'fake',
    clusterName: 'bench',
    clock,
    behaviour: { createLatencyMs: 0, bootMs: 3_600_000, initMs: 0, terminateLatencyMs: 0 },
  });
  let onCreate;
  const create = platform.create.bind(platform);
  platform.create = (group, request) => {
    onCreate?.();
    return create(group, request);
  };
  const group = controller.testScaleGroup('tpu', { max_slices: 10_000 });
  const demand = [];
  const autoscaler = controller.createAutoscaler(
    new Map([['tpu', platform]]),
    controller.testAutoscalerConfig({ scale_up_delay: 0, create_burst: 10_000, create_rate_per_minute: 10_000, evaluation_interval: 60_000 }),
    { tpu: group },
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
      random: Math.random,
    },
  );
  autoscaler.start();
  const samples = [];
  try {
    for (let i = 0; i < SAMPLES; i++) {
      demand.push({ id: `t${i}`, resources: { cpu: SLICE_CPU, ram: 0, disk: 0, accelerator_count: 0 }, accelerator_type: 'tpu', gang_size: 1 });
      const called = new Promise((resolve) => (onCreate = resolve));
      const start = process.hrtime.bigint();
      autoscaler.notifyDemand();
      await called;
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
      await autoscaler.settle();
    }
  } finally {
    autoscaler.stop();
  }
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  return { figure: `p50 ${formatMs(p50)}, p99 ${formatMs(p99)}`, pass: p99 <= BAR_MS, detail: `${SAMPLES} notifications, real clock, fake provider` };
}
