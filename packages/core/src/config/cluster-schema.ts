import type { JsonSchema } from '../plugin.js';
import { DURATION_EXAMPLES, DURATION_PATTERN, SIZE_EXAMPLES, SIZE_PATTERN } from '../units.js';

/** What the composed schema needs from each registered provider. */
export interface ProviderSchemaSource {
  type: string;
  /** Other names of the type, first-class: the editor schema accepts them too. */
  aliases?: readonly string[];
  description: string;
  configSchema: JsonSchema;
  controllerSchema?: JsonSchema;
}

/** A provider block's schema whose `type` also accepts the aliases (its `const` becomes an `enum`). */
function withAliases(schema: JsonSchema, type: string, aliases: readonly string[]): JsonSchema {
  const props = schema['properties'] as Record<string, Record<string, unknown>> | undefined;
  if (aliases.length === 0 || !props?.['type']) return schema;
  const { const: _const, ...rest } = props['type'];
  return { ...schema, properties: { ...props, type: { ...rest, enum: [type, ...aliases] } } };
}

/**
 * Annotations (ignored by validators and editors) that let the error mapper recognise a provider
 * `type` discriminator or a duration/size, whatever path ajv reports for an error inside a `$ref`.
 */
export const DISCRIMINATOR_MARK = 'x-iris-discriminator';
export const UNIT_MARK = 'x-iris-unit';

export const DURATION_REF = '#/definitions/duration';
export const SIZE_REF = '#/definitions/size';
/** Paths (by schema) where `${ENV}` references are expanded at load time. */
export const ENV_EXPANDED_NOTE = ' `${VAR}` and `${VAR:-default}` are expanded from the environment.';

const duration = { $ref: DURATION_REF };
const size = { $ref: SIZE_REF };
const count = (description: string, minimum = 0) => ({ type: 'integer', minimum, description });
const text = (description: string) => ({ type: 'string', description });

function section(description: string, properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  return { type: 'object', description, additionalProperties: false, properties, ...(required.length ? { required } : {}) };
}

const defaultsSchema = section('Cluster-wide settings every group and provider receives.', {
  timeouts: section('How long VMs may take.', {
    boot: { ...duration, description: 'Longest a VM may take to boot before it counts as failed.' },
    init: { ...duration, description: 'Longest the worker bootstrap may take on a booted VM.' },
    ssh_poll_interval: { ...duration, description: 'How often to retry SSH while a VM boots.' },
  }),
  ssh: section('SSH settings for providers that reach hosts over SSH.', {
    user: text('Login user.'),
    port: { type: 'integer', minimum: 1, maximum: 65535, description: 'SSH port.' },
    key_file: text('Private key file; `~` is expanded.'),
    connect_timeout: { ...duration, description: 'Timeout of one SSH connection attempt.' },
  }),
  autoscaler: section('Autoscaler policy.', {
    routing: {
      enum: ['priority', 'cost', 'availability', 'round_robin', 'least_waste'],
      description:
        'How to choose between groups of one pool that can serve the same demand: priority (lower first), cost (cheapest per hour of the demand), availability (skip groups in backoff or reported unavailable), round_robin (spread new slices evenly), least_waste (the slice that leaves the least unused).',
    },
    max_slices_total: count('Most slices alive at once across every group (no limit when absent).'),
    max_cost_per_hour: { type: 'number', minimum: 0, description: 'Most the live slices may cost per hour together (no limit when absent).' },
    evaluation_interval: { ...duration, description: 'Longest time between two evaluations (new demand triggers one at once).' },
    requesting_timeout: { ...duration, description: 'Longest a create request may stay unanswered.' },
    scale_up_delay: { ...duration, description: 'Cooldown after a scale-up of a group.' },
    scale_down_delay: { ...duration, description: 'How long a slice must be idle before it is removed.' },
    scale_down_cooldown: { ...duration, description: 'No scale-down of a group this soon after its last scale-up or scale-down.' },
    startup_grace: { ...duration, description: 'How long a new slice may take to register its workers.' },
    heartbeat_grace: { ...duration, description: 'How long a worker may go without heartbeating before its slice is reaped.' },
    backoff_initial: { ...duration, description: 'First backoff after a failed create; multiplied by backoff_factor per further failure.' },
    backoff_max: { ...duration, description: 'Ceiling of the create backoff.' },
    backoff_factor: { type: 'number', minimum: 1, description: 'Each further failed create multiplies the backoff by this.' },
    quota_timeout: { ...duration, description: 'How long a group is skipped after a quota error.' },
    create_rate_per_minute: { type: 'number', exclusiveMinimum: 0, description: 'Create calls per minute per group (token bucket refill).' },
    create_burst: count('Create calls a group may make at once (token bucket size).', 1),
    max_parallel_creates: count('Create calls in flight at once across the cluster.', 1),
    provider_create_rates: {
      type: 'object',
      description: 'Create calls per provider type, shared by every group on one provider (token bucket).',
      additionalProperties: section(
        'Create-rate limit of one provider type.',
        {
          per_minute: { type: 'number', exclusiveMinimum: 0, description: 'Refill per minute.' },
          burst: count('Bucket size.', 1),
        },
        ['per_minute', 'burst'],
      ),
    },
    orphan_min_age: { ...duration, description: 'Labelled VMs nobody accounts for are terminated at start-up only once this old.' },
    short_lived_slice: { ...duration, description: 'A slice lost younger than this puts its group into backoff.' },
    action_log_size: count('Autoscaler decisions kept for status and explain.', 1),
  }),
  job: section('What a job gets when it does not say (iris job run --cpu, --memory, --disk, --scheduling-timeout).', {
    cpu: { type: 'number', minimum: 0, description: 'CPUs per task.' },
    memory: { ...size, description: `Memory per task (${SIZE_EXAMPLES}).` },
    disk: { ...size, description: `Disk per task (${SIZE_EXAMPLES}).` },
    scheduling_timeout: { ...duration, description: 'Tasks still pending this long fail UNSCHEDULABLE; 0 waits forever.' },
    max_retries_failure: count('Retries of a task after it fails (iris job run --max-retries).'),
    max_retries_preemption: count('Retries of a task after its worker is lost (preemption).'),
  }),
  bootstrap: section('How workers are started on new VMs.', {
    worker_port: { type: 'integer', minimum: 0, maximum: 65535, description: 'Port the worker listens on.' },
    cache_dir: text('Cache folder on worker VMs.'),
    controller_address: text(`Address workers dial (host:port or URL).${ENV_EXPANDED_NOTE}`),
    docker_image: text('Worker container image.'),
    env: {
      type: 'object',
      description: `Environment passed to every worker.${ENV_EXPANDED_NOTE}`,
      additionalProperties: { type: 'string' },
    },
  }),
});

const resourcesSchema = section(
  'Resources of one VM of the group.',
  {
    cpu: { type: 'number', exclusiveMinimum: 0, description: 'CPU cores per VM.' },
    ram: { ...size, description: `Memory per VM (${SIZE_EXAMPLES}).` },
    disk: { ...size, description: `Disk per VM (${SIZE_EXAMPLES}).` },
    gpu_count: count('GPUs per VM.'),
    tpu_count: count('TPU chips per VM.'),
  },
  ['cpu', 'ram'],
);

function scaleGroupSchema(): JsonSchema {
  return section(
    'A group of identical slices created through one provider.',
    {
      name: text('The group name; when present it must equal the key under scale_groups.'),
      provider: { $ref: '#/definitions/group_provider' },
      accelerator_type: { enum: ['cpu', 'gpu', 'tpu'], description: 'Kind of accelerator on the VMs.' },
      accelerator_variant: text('Accelerator model, e.g. `v5litepod-16` or `a100`.'),
      slice_size: count('VMs per slice; a slice is created and destroyed as one unit.', 1),
      resources: resourcesSchema,
      preemptible: { type: 'boolean', description: 'Whether the VMs may be preempted by the provider.' },
      min_slices: count('Slices kept even without demand.'),
      max_slices: count('Most slices the group may hold; 0 disables the group.'),
      priority: { type: 'integer', description: 'Routing order: lower routes first.' },
      pool: text(
        'Groups of one pool that can serve the same demand are chosen between by defaults.autoscaler.routing; pools are tried in the order of their best priority; groups without a pool share one.',
      ),
      cost_per_hour: { type: 'number', minimum: 0, description: 'What one slice costs per hour (a provider that prices its groups overrides it).' },
      attributes: {
        type: 'object',
        description: 'Extra worker attributes every worker of the group advertises.',
        additionalProperties: { type: 'string' },
      },
    },
    ['resources'],
  );
}

/** Rewrites the local `$ref`s of an embedded schema so they still point inside it. */
function embed(schema: JsonSchema, at: string): JsonSchema {
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key === '$schema' || key === '$id') continue;
      out[key] = key === '$ref' && typeof child === 'string' && child.startsWith('#') ? `${at}${child.slice(1)}` : visit(child);
    }
    return out;
  };
  return visit(schema) as JsonSchema;
}

/** A `provider:` block discriminated on `type`: the enum names every installed type. */
function discriminated(role: 'group' | 'controller', description: string, variants: Array<{ type: string; ref: string }>): JsonSchema {
  return {
    type: 'object',
    description,
    required: ['type'],
    properties: { type: { enum: variants.map((v) => v.type), description: 'Provider type.', [DISCRIMINATOR_MARK]: role } },
    allOf: variants.map((v) => ({
      if: { properties: { type: { const: v.type } }, required: ['type'] },
      then: { $ref: v.ref },
    })),
  };
}

/**
 * The whole cluster-file schema: core's sections with every provider's schema plugged in at
 * `scale_groups.*.provider`, the top-level `provider`, and `controller.provider`. Self-contained
 * draft-07, so editors can use it as is.
 */
export function buildClusterSchema(providers: readonly ProviderSchemaSource[]): JsonSchema {
  const definitions: Record<string, JsonSchema> = {
    duration: {
      description: `A duration (${DURATION_EXAMPLES}).`,
      [UNIT_MARK]: 'duration',
      anyOf: [
        { type: 'integer', minimum: 0, [UNIT_MARK]: 'duration' },
        { type: 'string', pattern: DURATION_PATTERN, [UNIT_MARK]: 'duration' },
      ],
    },
    size: {
      description: `A size (${SIZE_EXAMPLES}); GB is 10^9 bytes, GiB 2^30.`,
      [UNIT_MARK]: 'size',
      anyOf: [
        { type: 'integer', minimum: 0, [UNIT_MARK]: 'size' },
        { type: 'string', pattern: SIZE_PATTERN, [UNIT_MARK]: 'size' },
      ],
    },
  };
  const groupVariants: Array<{ type: string; ref: string }> = [];
  const controllerVariants: Array<{ type: string; ref: string }> = [];
  for (const p of providers) {
    const name = `provider_${p.type}`;
    const aliases = p.aliases ?? [];
    definitions[name] = embed({ description: p.description, ...withAliases(p.configSchema, p.type, aliases) }, `#/definitions/${name}`);
    for (const t of [p.type, ...aliases]) groupVariants.push({ type: t, ref: `#/definitions/${name}` });
    if (p.controllerSchema) {
      const cname = `controller_provider_${p.type}`;
      definitions[cname] = embed(withAliases(p.controllerSchema, p.type, aliases), `#/definitions/${cname}`);
      for (const t of [p.type, ...aliases]) controllerVariants.push({ type: t, ref: `#/definitions/${cname}` });
    }
  }
  definitions['group_provider'] = discriminated('group', 'Where and how the group creates VMs.', groupVariants);
  definitions['controller_provider'] = discriminated('controller', 'Where the controller runs (default `{type: local}`).', controllerVariants);
  definitions['scale_group'] = scaleGroupSchema();

  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Iris cluster file',
    description: 'An Iris cluster: its controller, providers and scale groups.',
    type: 'object',
    additionalProperties: false,
    properties: {
      name: {
        type: 'string',
        pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
        description: 'Cluster name; labels every VM the cluster creates (lowercase letters, digits, - and _). Default "iris".',
      },
      plugins: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'Extra provider packages: a short name (`hello` → @iris/provider-hello, iris-provider-hello), a package name, or a relative path.',
      },
      provider: { $ref: '#/definitions/group_provider', description: 'Cluster-wide default provider for groups that name none.' },
      defaults: defaultsSchema,
      controller: section('The controller.', {
        provider: { $ref: '#/definitions/controller_provider' },
        state_dir: text('Folder of the controller database and token; `~` is expanded. Default ~/.iris/<name>.'),
        worker_timeout: { ...duration, description: 'A worker silent this long is declared lost.' },
        max_wait: { ...duration, description: 'Longest a long-poll (a worker waiting for work, a client waiting for a change) is held open.' },
        tick: { ...duration, description: 'How often the controller schedules pending tasks and checks worker heartbeats.' },
        login_code_ttl: { ...duration, description: 'How long a dashboard login code stays valid.' },
        session_ttl: { ...duration, description: 'How long a dashboard session lasts.' },
        image: text('Controller container image, for providers that run it in a container.'),
        limits: section('What the controller refuses to accept.', {
          max_body_bytes: { ...size, description: 'Largest JSON request body.' },
          max_json_entries: count('Most values (members and items) in one JSON body.', 1),
          max_json_depth: count('Deepest nesting of a JSON body.', 1),
          max_command_bytes: { ...size, description: "A job's command, all arguments together." },
          max_arg_bytes: { ...size, description: 'One argument or environment entry of a job.' },
          max_env_bytes: { ...size, description: "A job's environment, all NAME=value entries together." },
          max_bundle_bytes: { ...size, description: 'Largest job bundle.' },
          max_output_bytes: { ...size, description: 'Most bytes of files one task attempt keeps under $IRIS_OUTPUT_DIR (fetched with iris job download).' },
          max_starts_per_worker_per_pass: count('Task attempts the scheduler starts on one worker in one pass.', 1),
          max_starting_per_worker: count('Task attempts one worker may have starting (assigned, not yet running) at once.', 1),
          max_log_lines_per_attempt: count('Log lines kept per task attempt.', 1),
          max_actions: count('Actions kept in the action log.', 1),
        }),
      }),
      scale_groups: {
        type: 'object',
        description: 'Scale groups by name.',
        propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' },
        additionalProperties: { $ref: '#/definitions/scale_group' },
      },
    },
    definitions,
  };
}
