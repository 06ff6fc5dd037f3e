// 100 slices requested at once against a provider whose create takes L: all must exist within
// 1.5 × L (creates run in parallel up to max_parallel_creates, within the create-rate limits).
import { distUrl } from './lib/paths.mjs';
import { formatMs } from './lib/stats.mjs';

const SLICES = 100;
const LATENCY_MS = 1_000;
const BAR_FACTOR = 1.5;
// A slice's worth per demand entry: the autoscaler packs demand, so each entry must fill one
// VM of testScaleGroup (32 CPUs) for every entry to need a slice of its own.
const SLICE_CPU = 32;

export const name = 'autoscaler-100-slices-at-once';
export const bar = `≤ ${BAR_FACTOR} × L (L = ${LATENCY_MS} ms), rate limits respected`;

export async function run() {
  const core = await import(distUrl('core', 'index.js'));
  const controller = { ...(await import(distUrl('controller', 'index.js'))), ...(await import(distUrl('controller', 'testing.js'))) };
  const clock = new core.SystemClock();
  const platform = new controller.FakePlatform({
    type: 'fake',
    clusterName: 'bench',
    clock,
    behaviour: { createLatencyMs: LATENCY_MS, bootMs: 3_600_000, initMs: 0, terminateLatencyMs: 0 },
  });
  let inFlight = 0;
  let peak = 0;
  const create = platform.create.bind(platform);
  platform.create = (group, request) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    const p = create(group, request);
    p.finally(() => inFlight--).catch(() => undefined);
    return p;
  };
  const config = controller.testAutoscalerConfig({ create_burst: SLICES, create_rate_per_minute: 600, max_parallel_creates: SLICES });
  const providerRate = { per_minute: 600, burst: SLICES };
  const demand = Array.from({ length: SLICES }, (_, i) => ({
    id: `t${i}`,
    resources: { cpu: SLICE_CPU, ram: 0, disk: 0, accelerator_count: 0 },
    accelerator_type: 'tpu',
    gang_size: 1,
  }));
  const autoscaler = controller.createAutoscaler(
    new Map([['tpu', platform]]),
    config,
    { tpu: controller.testScaleGroup('tpu', { max_slices: SLICES }) },
    {
      clusterName: 'bench',
      clock,
      logger: core.silentLogger,
      sliceStore: new controller.InMemorySliceStore(),
      demand: () => demand,
      workers: () => new Map(),
      workerBootstrap: () => controller.TEST_WORKER_BOOTSTRAP,
      workerLaunch: controller.testWorkerLaunch,
      providerCreateRates: { fake: providerRate },
      shortLivedSliceMs: 300_000,
      actionLogSize: 1_000,
      random: Math.random,
    },
  );
  const start = process.hrtime.bigint();
  await autoscaler.runOnce();
  await autoscaler.settle();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const created = autoscaler
    .group('tpu')
    .trackedSlices()
    .filter((s) => s.state !== 'requesting').length;
  autoscaler.stop();
  const respected = platform.createCalls === SLICES && peak <= config.max_parallel_creates && peak <= providerRate.burst;
  return {
    figure: `${formatMs(ms)} (${(ms / LATENCY_MS).toFixed(2)} × L)`,
    pass: created === SLICES && ms <= BAR_FACTOR * LATENCY_MS && respected,
    detail: `${created}/${SLICES} slices; ${platform.createCalls} create calls, peak ${peak} in flight (max_parallel_creates ${config.max_parallel_creates}, provider burst ${providerRate.burst})`,
  };
}
