import type { ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_STATES, TASK_STATES, type JobState, type TaskState } from '@iris/core/api';
import type { ControllerState } from '../state/controller-state.js';

/** The slices of each group by state, as the autoscaler knows them (absent without one). */
export type SliceCounts = () => Iterable<{ group: string; state: string; count: number }>;

const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The controller's Prometheus metrics (GET /metrics), in a registry of its own so two controllers
 * in one process (tests) never share counters. Gauges of jobs, tasks and slices are computed when
 * scraped, from the state itself, so they cannot drift from it.
 */
export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly http: Histogram<'route' | 'method' | 'status'>;
  private readonly schedulingPass: Histogram;
  private readonly autoscalerEvaluation: Histogram;
  private readonly providerCalls: Counter<'provider' | 'call'>;
  private readonly providerErrors: Counter<'provider' | 'call' | 'kind'>;
  private sliceCounts: SliceCounts = () => [];

  constructor(state: ControllerState) {
    const registers = [this.registry];
    const jobs = new Map<JobState, number>();
    const tasks = new Map<TaskState, number>();
    let countedAt = -1;
    let scrape = 0;
    // One pass over the jobs serves both gauges of a scrape.
    const count = (): void => {
      if (countedAt === scrape) return;
      countedAt = scrape;
      for (const s of JOB_STATES) jobs.set(s, 0);
      for (const s of TASK_STATES) tasks.set(s, 0);
      for (const job of state.jobs.values()) {
        jobs.set(job.state, jobs.get(job.state)! + 1);
        for (const s of TASK_STATES) if (job.counts[s] > 0) tasks.set(s, tasks.get(s)! + job.counts[s]);
      }
    };
    this.registry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
    new Gauge({
      name: 'iris_jobs',
      help: 'Jobs by state.',
      labelNames: ['state'],
      registers,
      collect() {
        scrape += 1;
        count();
        for (const [s, n] of jobs) this.set({ state: s }, n);
      },
    });
    new Gauge({
      name: 'iris_tasks',
      help: 'Tasks by state.',
      labelNames: ['state'],
      registers,
      collect() {
        count();
        for (const [s, n] of tasks) this.set({ state: s }, n);
      },
    });
    new Gauge({
      name: 'iris_workers',
      help: 'Registered workers.',
      registers,
      collect() {
        this.set(state.workers.size);
      },
    });
    const sliceCounts = (): SliceCounts => this.sliceCounts;
    new Gauge({
      name: 'iris_slices',
      help: 'Slices by scale group and state.',
      labelNames: ['group', 'state'],
      registers,
      collect() {
        this.reset();
        for (const { group, state: s, count: n } of sliceCounts()()) this.set({ group, state: s }, n);
      },
    });
    this.http = new Histogram({
      name: 'iris_http_request_duration_seconds',
      help: 'HTTP request latency by route (long-polls included).',
      labelNames: ['route', 'method', 'status'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.schedulingPass = new Histogram({
      name: 'iris_scheduling_pass_duration_seconds',
      help: 'Duration of one scheduling pass.',
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.autoscalerEvaluation = new Histogram({
      name: 'iris_autoscaler_evaluation_duration_seconds',
      help: 'Duration of one autoscaler evaluation (provider calls it awaits included).',
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.providerCalls = new Counter({
      name: 'iris_provider_calls_total',
      help: 'Provider calls by provider and call.',
      labelNames: ['provider', 'call'],
      registers,
    });
    this.providerErrors = new Counter({
      name: 'iris_provider_errors_total',
      help: 'Failed provider calls by provider, call and error kind (capacity, quota, rate_limited, ...).',
      labelNames: ['provider', 'call', 'kind'],
      registers,
    });
  }

  /** Where the slice gauge reads from, once the cluster's autoscaler exists. */
  setSliceCounts(source: SliceCounts): void {
    this.sliceCounts = source;
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.http.observe({ route, method, status: String(status) }, seconds);
  }

  observeSchedulingPass(seconds: number): void {
    this.schedulingPass.observe(seconds);
  }

  observeAutoscalerEvaluation(seconds: number): void {
    this.autoscalerEvaluation.observe(seconds);
  }

  providerCall(provider: string, call: string, errorKind?: string): void {
    this.providerCalls.inc({ provider, call });
    if (errorKind !== undefined) this.providerErrors.inc({ provider, call, kind: errorKind });
  }

  async send(res: ServerResponse): Promise<void> {
    const text = await this.registry.metrics();
    res.writeHead(200, { 'content-type': this.registry.contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(text);
  }
}
