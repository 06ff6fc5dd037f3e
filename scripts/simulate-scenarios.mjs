#!/usr/bin/env node
// Runs every scenario of examples/scenarios/ against examples/scenarios/cluster.yaml under each
// routing strategy (the simulator: real autoscaler, scheduler and packing; providers faked; seeded)
// and prints one Markdown table per scenario. `--write` puts the tables in BENCHMARKS.md between
// the scenario markers. Uses the built packages (dist/).
//   node scripts/simulate-scenarios.mjs [--write]
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { distUrl } from './bench/lib/paths.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const dir = `${root}examples/scenarios/`;
const STRATEGIES = ['priority', 'cost', 'availability', 'round_robin', 'least_waste'];
const BEGIN = '<!-- scenarios:begin (node scripts/simulate-scenarios.mjs --write) -->';
const END = '<!-- scenarios:end -->';

const { loadClusterFile } = await import(distUrl('cli', 'cluster-file.js'));
const controller = await import(distUrl('controller', 'index.js'));
// Loaded as `iris simulate -c` loads it: the built-in providers, the same defaults.
const { config } = await loadClusterFile(`${dir}cluster.yaml`, { cwd: root, env: { ...process.env } });
const groups = config.scale_groups;

/** Tasks of one job a slice of `g` holds (per-VM fit times VMs), with the scheduler's rule. */
function perSlice(job, g) {
  if (job.gang) return job.tasks;
  const r = job.resources;
  const accelerators = g.accelerator_type === 'gpu' ? g.resources.gpu_count : g.accelerator_type === 'tpu' ? g.resources.tpu_count : 0;
  const fit = (need, have) => (need > 0 ? Math.floor(have / need + 1e-9) : Infinity);
  return (
    Math.min(fit(r.cpu, g.resources.cpu), fit(r.ram, g.resources.ram), fit(r.disk, g.resources.disk), fit(r.accelerator_count, accelerators)) * g.slice_size
  );
}

/**
 * Total demand divided by a slice's capacity, in slice-hours, for scenarios of CPU tasks only (the
 * scheduler may put CPU tasks on TPU hosts, so with accelerators in play this is no bound).
 */
function lowerBound(scenario) {
  if (scenario.jobs.some((j) => j.accelerator_type !== 'cpu')) return undefined;
  let hours = 0;
  for (const job of scenario.jobs) {
    const matching = Object.values(groups).filter((g) =>
      job.accelerator_type === 'cpu' ? g.accelerator_type === 'cpu' : g.accelerator_type === job.accelerator_type,
    );
    const best = Math.max(...matching.map((g) => perSlice(job, g)));
    hours += ((job.gang ? 1 : job.tasks) * job.durationMs) / 3_600_000 / (job.gang ? 1 : best);
  }
  return hours;
}

function metrics(result) {
  const { summary } = result;
  let vmHours = 0;
  let sliceHours = 0;
  let cost = 0;
  for (const [name, h] of Object.entries(summary.vmHoursByGroup)) {
    const g = groups[name];
    vmHours += h;
    sliceHours += h / g.slice_size;
    cost += (h / g.slice_size) * (g.cost_per_hour ?? 0);
  }
  const live = new Map();
  let peak = 0;
  for (const p of summary.slicesOverTime) {
    live.set(p.group, p.slices);
    peak = Math.max(
      peak,
      [...live.values()].reduce((a, b) => a + b, 0),
    );
  }
  const satisfied = summary.jobs
    .filter((j) => j.timeToSatisfyMs !== undefined)
    .map((j) => j.timeToSatisfyMs)
    .sort((a, b) => a - b);
  const unsatisfied = summary.jobs.length - satisfied.length;
  const median = satisfied.length ? satisfied[Math.floor((satisfied.length - 1) / 2)] : undefined;
  const max = satisfied.length ? satisfied[satisfied.length - 1] : undefined;
  const requeues = summary.jobs.reduce((n, j) => n + j.requeues, 0);
  return { vmHours, sliceHours, cost, median, max, unsatisfied, peak, requeues, violations: result.violations.length };
}

const minutes = (ms) => (ms === undefined ? '–' : `${(ms / 60_000).toFixed(1)} min`);

const sections = [];
// The scenarios written for cluster.yaml (others in the folder target other example files).
const files = ['small-tasks', 'mixed-gangs', 'stockout-wave', 'spot-preemptions', 'two-prices', 'burst-10k'].map((n) => `${n}.yaml`);
for (const file of files) {
  const scenario = controller.parseScenario(parseYaml(readFileSync(`${dir}${file}`, 'utf8')), file);
  const bound = lowerBound(scenario);
  const rows = [];
  for (const routing of STRATEGIES) {
    const started = performance.now();
    const result = await controller.runSimulation({
      scaleGroups: groups,
      autoscalerConfig: { ...config.defaults.autoscaler, routing },
      scenario,
      providerCreateRates: config.defaults.autoscaler.provider_create_rates,
      shortLivedSliceMs: config.defaults.autoscaler.short_lived_slice,
      orphanMinAgeMs: config.defaults.autoscaler.orphan_min_age,
      checkInvariants: true,
    });
    const m = metrics(result);
    const label = routing === 'priority' ? "priority (the Python original's routing)" : routing;
    rows.push(
      `| ${label} | ${m.vmHours.toFixed(2)} | ${m.sliceHours.toFixed(2)}${bound === undefined ? '' : ` (${((m.sliceHours / bound - 1) * 100).toFixed(1)}% over)`} | ${m.cost.toFixed(2)} | ${minutes(m.median)} / ${minutes(m.max)}${m.unsatisfied ? ` (${m.unsatisfied} never)` : ''} | ${m.peak} | ${m.requeues} | ${m.violations} |`,
    );
    process.stderr.write(`${scenario.name} ${routing}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  sections.push(
    [
      `### ${scenario.name} (\`examples/scenarios/${file}\`, seed ${scenario.seed})`,
      '',
      bound === undefined
        ? 'No lower bound given: accelerator demand (and CPU tasks may share TPU hosts).'
        : `Lower bound: ${bound.toFixed(2)} slice-hours (total demand / a slice's capacity).`,
      '',
      '| routing | VM-hours | slice-hours (vs bound) | cost | time to satisfy (median / max) | peak slices | requeues | invariant violations |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
}

const text = [
  "Every strategy packs (first-fit decreasing with the scheduler's fit function); `priority` is the routing of the",
  "Python original. Cost is slice-hours times each group's `cost_per_hour`. Simulated with `iris simulate`'s engine on",
  '`examples/scenarios/cluster.yaml`; same seed, same figures.',
  '',
  ...sections,
].join('\n');
if (process.argv.includes('--write')) {
  const file = `${root}BENCHMARKS.md`;
  const current = readFileSync(file, 'utf8');
  const block = `${BEGIN}\n${text}\n${END}`;
  const next = current.includes(BEGIN)
    ? current.replace(new RegExp(`${BEGIN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*?${END}`), block)
    : `${current.trimEnd()}\n\n## Autoscaler scenarios\n\n${block}\n`;
  writeFileSync(file, next);
  console.log('wrote the scenario tables into BENCHMARKS.md');
} else {
  console.log(text);
}
