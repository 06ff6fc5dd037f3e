import 'reflect-metadata';
const core = await import('/work/main/packages/core/dist/index.js');
const c = await import('/work/main/packages/controller/dist/autoscaler/index.js');
const GiB = 1024 ** 3;
for (const scale of [1, 10]) {
  const variants = 50 * scale, shapes = 100 * scale, entries = 100_000 * scale;
  const demand = [];
  for (let i = 0; i < entries; i++) {
    const s = i % shapes; const cpuShape = s < 2;
    demand.push({ id: `job-${i % 997}/${i}`, resources: { cpu: 1 + (s % 8), ram: (1 + (s % 4)) * GiB, disk: 0, accelerator_count: cpuShape ? 0 : 4 },
      accelerator_type: cpuShape ? 'cpu' : 'tpu', ...(cpuShape ? {} : { accelerator_variant: `v${s % variants}` }), ...(s % 3 === 0 ? { preemptible: true } : {}), gang_size: 1 });
  }
  for (let k = 0; k < 5; k++) {
    let t = performance.now();
    const idx = new c.ShapeIndex(); for (const e of demand) idx.add(e);
    const a = performance.now() - t;
    console.log(scale, 'index', a.toFixed(1), idx.buckets.length);
  }
}
