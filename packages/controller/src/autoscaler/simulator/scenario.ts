import { IrisError, PROVIDER_ERROR_KINDS, parseDuration, parseSize, type AcceleratorType, type ProviderErrorKind } from '@iris/core';
import { DEFAULT_CONFIG } from '@iris/core/config';
import type { FakeBehaviour } from '../testing/fake-platform.js';
import type { DemandConstraint, DemandResources } from '../types.js';

/** A job the simulated controller receives at `atMs`: `tasks` tasks, placed together when `gang`. */
export interface ScenarioJob {
  readonly id: string;
  readonly atMs: number;
  readonly tasks: number;
  readonly gang: boolean;
  readonly durationMs: number;
  readonly accelerator_type: AcceleratorType;
  readonly accelerator_variant?: string;
  readonly preemptible?: boolean;
  readonly resources: DemandResources;
  readonly constraints?: readonly DemandConstraint[];
}

/** Something that happens to the provider or the controller at `atMs`. */
export type ScenarioFault =
  | { readonly atMs: number; readonly kind: 'stockout'; readonly zone: string; readonly on: boolean }
  | { readonly atMs: number; readonly kind: 'quota'; readonly group: string; readonly on: boolean }
  | {
      readonly atMs: number;
      readonly kind: 'fail_creates';
      readonly group: string;
      readonly error: ProviderErrorKind;
      readonly count: number;
      readonly retryAfterMs?: number;
    }
  | { readonly atMs: number; readonly kind: 'stuck_boots'; readonly group: string; readonly count: number }
  | { readonly atMs: number; readonly kind: 'slow_boots'; readonly group: string; readonly bootMs: number }
  | { readonly atMs: number; readonly kind: 'preempt'; readonly group: string; readonly count: number }
  | { readonly atMs: number; readonly kind: 'restart' };

export interface Scenario {
  readonly name: string;
  readonly seed: number;
  readonly durationMs: number;
  /** Granularity of the task model and of the invariant checks. */
  readonly stepMs: number;
  readonly behaviour: FakeBehaviour;
  readonly jobs: readonly ScenarioJob[];
  readonly faults: readonly ScenarioFault[];
}

const JOB_DEFAULTS = DEFAULT_CONFIG.defaults.job;

const FAULT_KINDS = ['stockout', 'quota', 'fail_creates', 'stuck_boots', 'slow_boots', 'preempt', 'restart'] as const;

class ScenarioReader {
  readonly problems: string[] = [];

  obj(value: unknown, path: string): Record<string, unknown> {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    this.problems.push(`${path}: expected a mapping`);
    return {};
  }

  list(value: unknown, path: string): unknown[] {
    if (value === undefined) return [];
    if (Array.isArray(value)) return value;
    this.problems.push(`${path}: expected a list`);
    return [];
  }

  str(value: unknown, path: string, fallback?: string): string {
    if (typeof value === 'string' && value.length > 0) return value;
    if (value === undefined && fallback !== undefined) return fallback;
    this.problems.push(`${path}: expected a non-empty string`);
    return '';
  }

  int(value: unknown, path: string, fallback?: number): number {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
    if (value === undefined && fallback !== undefined) return fallback;
    this.problems.push(`${path}: expected a non-negative integer`);
    return 0;
  }

  bool(value: unknown, path: string, fallback?: boolean): boolean {
    if (typeof value === 'boolean') return value;
    if (value === undefined && fallback !== undefined) return fallback;
    this.problems.push(`${path}: expected true or false`);
    return false;
  }

  duration(value: unknown, path: string, fallback?: number): number {
    if (value === undefined && fallback !== undefined) return fallback;
    try {
      return parseDuration(value);
    } catch (err) {
      this.problems.push(`${path}: ${(err as Error).message}`);
      return 0;
    }
  }

  size(value: unknown, path: string): number {
    if (value === undefined) return 0;
    try {
      return parseSize(value);
    } catch (err) {
      this.problems.push(`${path}: ${(err as Error).message}`);
      return 0;
    }
  }
}

/**
 * Reads a scenario from plain data (parsed JSON or YAML). Durations take `30s`/`5m` or integer
 * milliseconds, sizes `64GB` or bytes. Every problem is reported at once, each with its path.
 */
export function parseScenario(data: unknown, where = 'scenario'): Scenario {
  const r = new ScenarioReader();
  const root = r.obj(data, where);
  const b = r.obj(root['behaviour'] ?? {}, `${where}.behaviour`);
  const behaviour: FakeBehaviour = {
    createLatencyMs: r.duration(b['create_latency'], `${where}.behaviour.create_latency`, 2_000),
    bootMs: r.duration(b['boot'], `${where}.behaviour.boot`, 60_000),
    initMs: r.duration(b['init'], `${where}.behaviour.init`, 30_000),
    terminateLatencyMs: r.duration(b['terminate_latency'], `${where}.behaviour.terminate_latency`, 5_000),
  };
  const jobs = r.list(root['jobs'], `${where}.jobs`).map((raw, i): ScenarioJob => {
    const p = `${where}.jobs[${i}]`;
    const j = r.obj(raw, p);
    const res = r.obj(j['resources'] ?? {}, `${p}.resources`);
    const type = r.str(j['accelerator_type'], `${p}.accelerator_type`, 'cpu');
    if (!['cpu', 'gpu', 'tpu'].includes(type)) r.problems.push(`${p}.accelerator_type: expected cpu, gpu or tpu, got "${type}"`);
    const job: ScenarioJob = {
      id: r.str(j['id'], `${p}.id`, `job-${i}`),
      atMs: r.duration(j['at'], `${p}.at`, 0),
      tasks: r.int(j['tasks'], `${p}.tasks`, 1),
      gang: r.bool(j['gang'], `${p}.gang`, false),
      durationMs: r.duration(j['duration'], `${p}.duration`, 600_000),
      accelerator_type: type as AcceleratorType,
      // A job that says nothing gets what `iris job run` gives it (defaults.job).
      resources: {
        cpu: typeof res['cpu'] === 'number' ? res['cpu'] : JOB_DEFAULTS.cpu,
        ram: res['ram'] === undefined ? JOB_DEFAULTS.memory : r.size(res['ram'], `${p}.resources.ram`),
        disk: res['disk'] === undefined ? JOB_DEFAULTS.disk : r.size(res['disk'], `${p}.resources.disk`),
        accelerator_count: r.int(res['accelerator_count'], `${p}.resources.accelerator_count`, 0),
      },
      ...(j['accelerator_variant'] === undefined ? {} : { accelerator_variant: r.str(j['accelerator_variant'], `${p}.accelerator_variant`) }),
      ...(j['preemptible'] === undefined ? {} : { preemptible: r.bool(j['preemptible'], `${p}.preemptible`) }),
    };
    if (job.tasks < 1) r.problems.push(`${p}.tasks: a job needs at least one task`);
    return job;
  });
  const ids = new Set<string>();
  for (const job of jobs) {
    if (ids.has(job.id)) r.problems.push(`${where}.jobs: duplicate job id "${job.id}"`);
    ids.add(job.id);
  }
  const faults = r.list(root['faults'], `${where}.faults`).map((raw, i): ScenarioFault => {
    const p = `${where}.faults[${i}]`;
    const f = r.obj(raw, p);
    const atMs = r.duration(f['at'], `${p}.at`, 0);
    const kind = f['kind'];
    switch (kind) {
      case 'stockout':
        return { atMs, kind, zone: r.str(f['zone'], `${p}.zone`, '*'), on: r.bool(f['on'], `${p}.on`, true) };
      case 'quota':
        return { atMs, kind, group: r.str(f['group'], `${p}.group`), on: r.bool(f['on'], `${p}.on`, true) };
      case 'fail_creates': {
        const error = r.str(f['error'], `${p}.error`, 'transient');
        if (!(PROVIDER_ERROR_KINDS as readonly string[]).includes(error))
          r.problems.push(`${p}.error: unknown provider error kind "${error}" (one of ${PROVIDER_ERROR_KINDS.join(', ')})`);
        return {
          atMs,
          kind,
          group: r.str(f['group'], `${p}.group`),
          error: error as ProviderErrorKind,
          count: r.int(f['count'], `${p}.count`, 1),
          ...(f['retry_after'] === undefined ? {} : { retryAfterMs: r.duration(f['retry_after'], `${p}.retry_after`) }),
        };
      }
      case 'stuck_boots':
        return { atMs, kind, group: r.str(f['group'], `${p}.group`), count: r.int(f['count'], `${p}.count`, 1) };
      case 'slow_boots':
        return { atMs, kind, group: r.str(f['group'], `${p}.group`), bootMs: r.duration(f['boot'], `${p}.boot`) };
      case 'preempt':
        return { atMs, kind, group: r.str(f['group'], `${p}.group`), count: r.int(f['count'], `${p}.count`, 1) };
      case 'restart':
        return { atMs, kind };
      default:
        r.problems.push(`${p}.kind: expected one of ${FAULT_KINDS.join(', ')}`);
        return { atMs, kind: 'restart' };
    }
  });
  const scenario: Scenario = {
    name: r.str(root['name'], `${where}.name`, 'scenario'),
    seed: r.int(root['seed'], `${where}.seed`, 1),
    durationMs: r.duration(root['duration'], `${where}.duration`),
    stepMs: r.duration(root['step'], `${where}.step`, 1_000),
    behaviour,
    jobs,
    faults,
  };
  if (scenario.stepMs <= 0) r.problems.push(`${where}.step: must be positive`);
  if (r.problems.length > 0) {
    throw new IrisError('IRIS_SCENARIO_INVALID', `invalid scenario:\n  ${r.problems.join('\n  ')}`);
  }
  return scenario;
}
