import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IrisError, ROUTING_STRATEGIES, formatDuration, type RoutingStrategy } from '@iris/core';
import { parseScenario, runSimulation, type SimulationResult } from '@iris/controller';
import { parse as parseYaml } from 'yaml';
import { loadClusterFile } from '../cluster-file.js';
import type { CliIo } from '../context.js';
import { usageError } from '../exit-codes.js';
import { formatTable } from '../output/table.js';

function readScenario(file: string, io: CliIo): unknown {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError(`cannot read the scenario ${file}: ${(err as Error).message}`);
  }
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw new IrisError('IRIS_SCENARIO_INVALID', `${file}: not valid YAML or JSON: ${(err as Error).message}`, { cause: err });
  }
}

function at(ms: number): string {
  return `+${formatDuration(Math.round(ms))}`.padStart(10);
}

/** Replays a scenario's demand and faults against the file's groups with every provider faked. */
export async function simulate(options: { file: string; scenario: string; json: boolean; routing?: string }, io: CliIo): Promise<void> {
  const { config } = await loadClusterFile(options.file, io);
  if (options.routing !== undefined && !(ROUTING_STRATEGIES as readonly string[]).includes(options.routing)) {
    throw usageError(`--routing must be one of ${ROUTING_STRATEGIES.join(', ')}, not "${options.routing}"`);
  }
  const routing = (options.routing as RoutingStrategy | undefined) ?? config.defaults.autoscaler.routing;
  const scenario = parseScenario(readScenario(options.scenario, io), options.scenario);
  const result: SimulationResult = await runSimulation({
    scaleGroups: config.scale_groups,
    autoscalerConfig: { ...config.defaults.autoscaler, routing },
    scenario,
    // The figures the controller uses, so a simulation behaves like the real cluster.
    providerCreateRates: config.defaults.autoscaler.provider_create_rates,
    shortLivedSliceMs: config.defaults.autoscaler.short_lived_slice,
    orphanMinAgeMs: config.defaults.autoscaler.orphan_min_age,
    checkInvariants: true,
  });
  if (options.json) {
    io.out(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const { summary } = result;
  io.out(`simulation "${summary.scenario}" (seed ${summary.seed}) over ${formatDuration(summary.durationMs)} against ${options.file}, ${routing} routing\n\n`);
  io.out('timeline:\n');
  for (const e of result.timeline) {
    io.out(`${at(e.atMs)}  ${(e.group ?? '').padEnd(14)} ${e.type.padEnd(20)} ${e.detail}\n`);
  }
  io.out('\njobs:\n');
  io.out(
    formatTable(
      ['JOB', 'SUBMITTED', 'STATE', 'TIME TO SATISFY', 'REQUEUES'],
      summary.jobs.map((j) => [
        j.id,
        at(j.submittedAtMs).trim(),
        j.state,
        j.timeToSatisfyMs === undefined ? 'never' : formatDuration(Math.round(j.timeToSatisfyMs)),
        String(j.requeues),
      ]),
    ),
  );
  const peaks = new Map<string, number>();
  for (const p of summary.slicesOverTime) peaks.set(p.group, Math.max(peaks.get(p.group) ?? 0, p.slices));
  io.out('\ngroups:\n');
  io.out(
    formatTable(
      ['GROUP', 'PEAK SLICES', 'VM-HOURS'],
      Object.keys(config.scale_groups).map((g) => [g, String(peaks.get(g) ?? 0), (summary.vmHoursByGroup[g] ?? 0).toFixed(2)]),
    ),
  );
  if (summary.waiting.length > 0) {
    io.out('\nunmet demand at the end:\n');
    for (const w of summary.waiting) io.out(`  ${w.entryIds.length} × ${w.outcome}: ${w.reason}\n`);
  }
  io.out(`\n${summary.createCalls} create call(s); ${summary.vmsLeftAtEnd} VM(s) still up at the end\n`);
  if (result.violations.length > 0) {
    io.out(`\ninvariant violations:\n  ${result.violations.join('\n  ')}\n`);
    throw new IrisError('IRIS_SIMULATION_VIOLATION', `the simulation broke ${result.violations.length} invariant(s); see above`);
  }
}
