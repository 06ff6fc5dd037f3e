import type { JsonSchema } from '../plugin.js';

/**
 * Every default of the cluster file, in one place (config is pure data: no constructor hides a
 * default of its own). Durations in milliseconds, sizes in bytes. `controller.state_dir` defaults to
 * `~/.iris/<name>` and a provider block's defaults come from its plugin's schema, so neither is here.
 */
export const DEFAULT_CONFIG = deepFreeze({
  name: 'iris',
  plugins: [] as string[],
  defaults: {
    timeouts: { boot: 300_000, init: 600_000, ssh_poll_interval: 5_000 },
    ssh: { user: 'root', port: 22, connect_timeout: 30_000 },
    autoscaler: {
      routing: 'priority' as const,
      evaluation_interval: 10_000,
      requesting_timeout: 120_000,
      scale_up_delay: 60_000,
      scale_down_delay: 300_000,
      scale_down_cooldown: 60_000,
      startup_grace: 1_800_000,
      heartbeat_grace: 300_000,
      backoff_initial: 5_000,
      backoff_max: 300_000,
      backoff_factor: 2,
      quota_timeout: 300_000,
      // GCP's TPU create quota is about 91 calls a minute per project; 16 per group leaves room.
      create_rate_per_minute: 16,
      create_burst: 4,
      max_parallel_creates: 32,
      provider_create_rates: { gcp: { per_minute: 91, burst: 91 } } as Record<string, { per_minute: number; burst: number }>,
      orphan_min_age: 600_000,
      short_lived_slice: 600_000,
      action_log_size: 1_000,
    },
    // The Python original's defaults: a job that needs nothing must say --cpu 0 --memory 0.
    job: { cpu: 1, memory: 2 * 1024 ** 3, disk: 0, scheduling_timeout: 3_600_000, max_retries_failure: 0, max_retries_preemption: 100 },
    bootstrap: { worker_port: 10001, cache_dir: '/var/cache/iris', env: {} as Record<string, string> },
  },
  controller: {
    provider: { type: 'local' },
    worker_timeout: 60_000,
    /** Longest a long-poll (a worker's wait for work, a client's wait for a change) is held open. */
    max_wait: 10_000,
    /** How often the controller schedules and checks worker heartbeats. */
    tick: 1_000,
    /** How long a dashboard login code stays valid. */
    login_code_ttl: 5 * 60_000,
    /** How long a dashboard session lasts. */
    session_ttl: 7 * 24 * 3_600_000,
    /** What the controller refuses to accept (sizes in bytes) and how much it does at once. */
    limits: {
      /** A JSON request body, counted while it streams in. */
      max_body_bytes: 16 * 1024 * 1024,
      /** Values (object members and array items) in one JSON body, counted while it streams in. */
      max_json_entries: 100_000,
      /** Nesting depth of a JSON body. */
      max_json_depth: 32,
      /** A job's command: all arguments together, and each one (Linux refuses longer ones at exec). */
      max_command_bytes: 256 * 1024,
      max_arg_bytes: 128 * 1024 - 1,
      /** A job's environment: all `NAME=value` strings together. */
      max_env_bytes: 256 * 1024,
      max_bundle_bytes: 1024 * 1024 * 1024,
      /** The files one task attempt keeps under $IRIS_OUTPUT_DIR, all together. */
      max_output_bytes: 1024 * 1024 * 1024,
      /** Task attempts the scheduler starts on one worker in one pass. */
      max_starts_per_worker_per_pass: 4,
      /** Task attempts one worker may have starting (assigned, not yet running) at once. */
      max_starting_per_worker: 8,
      /** Log lines kept per task attempt. */
      max_log_lines_per_attempt: 10_000,
      /** Autoscaler/controller actions kept in the action log. */
      max_actions: 10_000,
    },
  },
  /** Applied to every entry of `scale_groups`. */
  scale_group: {
    accelerator_type: 'cpu',
    accelerator_variant: '',
    slice_size: 1,
    preemptible: false,
    min_slices: 0,
    max_slices: 1,
    priority: 100,
    attributes: {} as Record<string, string>,
    resources: { disk: 0, gpu_count: 0, tpu_count: 0 },
  },
});

export type DefaultConfig = typeof DEFAULT_CONFIG;

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `base` overlaid by `over`: objects merge key by key, anything else in `over` wins. */
export function mergeDefaults(base: unknown, over: unknown): unknown {
  if (over === undefined || over === null) return structuredClone(base);
  if (!isPlain(base) || !isPlain(over)) return over;
  const out: Plain = {};
  for (const key of new Set([...Object.keys(base), ...Object.keys(over)])) {
    // defineProperty: a user key named __proto__ (in env or attributes) stays a key, not a prototype.
    Object.defineProperty(out, key, { value: mergeDefaults(base[key], over[key]), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Fills a provider block from the `default` keywords of its plugin's schema (nested objects too). */
export function schemaDefaults(schema: JsonSchema, value: Plain): Plain {
  const properties = schema['properties'];
  if (!isPlain(properties)) return value;
  const out: Plain = { ...value };
  for (const [key, propSchema] of Object.entries(properties)) {
    if (!isPlain(propSchema)) continue;
    if (out[key] === undefined && 'default' in propSchema) out[key] = structuredClone(propSchema['default']);
    else if (isPlain(out[key])) out[key] = schemaDefaults(propSchema, out[key] as Plain);
  }
  return out;
}

/**
 * The validated file with every default applied: the top-level sections from DEFAULT_CONFIG, each
 * group from DEFAULT_CONFIG.scale_group. Provider blocks are filled later, once their type is known.
 */
export function applyDefaults(file: Plain): Plain {
  const { scale_group: groupDefaults, ...top } = DEFAULT_CONFIG;
  const merged = mergeDefaults(top, { ...file, scale_groups: undefined }) as Plain;
  const groups: Plain = {};
  const fileGroups = isPlain(file['scale_groups']) ? file['scale_groups'] : {};
  for (const [name, group] of Object.entries(fileGroups)) groups[name] = mergeDefaults(groupDefaults, group);
  merged['scale_groups'] = groups;
  return merged;
}

/** Freezes `value` and everything reachable from it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
