import { DURATION_PATTERN, type JsonSchema } from '@iris/core';
import type { GcpControllerConfig, GcpProviderConfig } from './config-types.js';

// GCP's own naming rules, checked at load time so a typo fails with a line number instead of an
// INVALID_ARGUMENT from the API minutes later.
const PROJECT_ID_PATTERN = '^(?:[a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$';
const ZONE_PATTERN = '^[a-z]+-[a-z]+[0-9]+-[a-z]$';
const LABEL_KEY_PATTERN = '^[a-z][a-z0-9_-]{0,62}$';
const LABEL_VALUE_PATTERN = '^[a-z0-9_-]{0,63}$';
const API_ENDPOINT_PATTERN = '^https?://[^\\s/]+(?:/\\S*)?$';

export const GCP_CAPACITIES = ['on_demand', 'preemptible', 'spot', 'reserved'] as const;

const projectId = {
  type: 'string',
  pattern: PROJECT_ID_PATTERN,
  description: 'GCP project that owns the VMs, e.g. `my-project`.',
};

const apiEndpoint = {
  type: 'string',
  pattern: API_ENDPOINT_PATTERN,
  description:
    'Override of the Google API endpoint, for Private Service Connect or a local emulator, e.g. `http://127.0.0.1:8470`. An `http://` endpoint is called without credentials.',
};

// `satisfies` ties the property list to the TS config type: adding a field to one without the
// other fails to compile.
const groupProperties = {
  type: { const: 'gcp', description: 'Provider type: TPU VMs on Google Cloud (alias `tpu`).' },
  project_id: projectId,
  zones: {
    type: 'array',
    minItems: 1,
    uniqueItems: true,
    items: { type: 'string', pattern: ZONE_PATTERN, description: 'A GCP zone, e.g. `europe-west4-b`.' },
    description:
      'Zones to create slices in, in priority order: a stockout in one zone moves creation to the next. Listing and adoption cover every zone named here.',
  },
  runtime_version: {
    type: 'string',
    minLength: 1,
    description:
      'TPU software version (`--version`), e.g. `v2-alpha-tpuv5-lite`. When omitted, the runtime recommended for the accelerator generation is used (see defaultRuntimeVersion).',
  },
  network: {
    type: 'string',
    minLength: 1,
    default: 'default',
    description: 'VPC network of the TPU VMs (name or full resource path).',
  },
  subnetwork: {
    type: 'string',
    minLength: 1,
    description: 'Subnetwork of the TPU VMs (name or full resource path); required by custom-mode networks.',
  },
  service_account: {
    type: 'string',
    pattern: '^\\S+@\\S+$',
    description: 'Service account email the TPU VMs run as; the project default compute account when omitted.',
  },
  capacity: {
    enum: [...GCP_CAPACITIES],
    description:
      "How capacity is obtained: `on_demand`, `preemptible`, `spot`, or `reserved` (reservations shared with the project). When omitted, the group's `preemptible` flag decides between `preemptible` and `on_demand`.",
  },
  queued_resource: {
    type: 'boolean',
    default: false,
    description:
      'Create slices through the TPU Queued Resources API: a slice waits in the queue (WAITING_FOR_RESOURCES, then PROVISIONING, shown by `iris autoscaler explain`) until GCP can place it, instead of failing on a stockout. A slice still queued after `defaults.autoscaler.startup_grace` is deleted and requested again.',
  },
  reservation: {
    type: 'string',
    minLength: 1,
    description:
      "Create slices into this reservation (needs `capacity: reserved`; implies a queued resource with reservationName). A bare name is the reservation of the group's only zone; `projects/P/locations/ZONE/reservations/NAME` names its zone, which must be in `zones`. Without it, `capacity: reserved` uses the reservations shared with the project.",
  },
  api_endpoint: apiEndpoint,
  labels: {
    type: 'object',
    propertyNames: { pattern: LABEL_KEY_PATTERN },
    additionalProperties: { type: 'string', pattern: LABEL_VALUE_PATTERN, description: 'A GCP label value.' },
    default: {},
    description:
      'Extra GCP labels put on every VM of the group, on top of the cluster, group and slice labels Iris sets (lowercase keys and values, at most 63 characters).',
  },
  startup_script_extra: {
    type: 'string',
    description: 'Shell commands appended to the worker bootstrap script, run before the worker starts.',
  },
} satisfies Record<keyof GcpProviderConfig, JsonSchema>;

/** JSON Schema (draft-07) of a scale group's `provider: {type: gcp}` block. */
export const gcpProviderSchema: JsonSchema = {
  title: 'GCP TPU provider',
  description: 'Scale group on Google Cloud TPU VMs: each slice is one TPU node of `slice_size` hosts.',
  type: 'object',
  properties: groupProperties,
  required: ['type', 'project_id', 'zones'],
  additionalProperties: false,
};

const controllerProperties = {
  type: { const: 'gcp', description: 'Provider type: run the controller on a GCE VM.' },
  project_id: {
    ...projectId,
    description: 'GCP project of the controller VM (required: load-time checks refuse a gcp controller without it).',
  },
  zone: {
    type: 'string',
    pattern: ZONE_PATTERN,
    description: 'Zone of the controller VM and its state disk (required: load-time checks refuse a gcp controller without it).',
  },
  machine_type: {
    type: 'string',
    minLength: 1,
    default: 'n2-standard-4',
    description: 'GCE machine type of the controller VM.',
  },
  boot_disk_size_gb: {
    type: 'integer',
    minimum: 10,
    maximum: 65536,
    default: 50,
    description: 'Boot disk size of the controller VM in GB (the OS and the controller image; the state lives on the state disk).',
  },
  state_disk_size_gb: {
    type: 'integer',
    minimum: 10,
    maximum: 65536,
    default: 20,
    description:
      'Size in GB of the persistent disk `iris-state-<cluster>` holding the state database and bundles. It survives the controller VM and is attached again to its replacement.',
  },
  state_mount: {
    type: 'string',
    pattern: '^/\\S+$',
    default: '/mnt/disks/iris-state',
    description: "Where the state disk is mounted on the controller VM (the controller's state dir).",
  },
  internal_ip: {
    type: 'string',
    pattern: '^\\d{1,3}(\\.\\d{1,3}){3}$',
    description:
      'A reserved static internal IP for the controller VM (`gcloud compute addresses create … --subnet …`): a replacement VM keeps the address the TPU workers dial. Ephemeral when omitted.',
  },
  access: {
    enum: ['ssh', 'iap', 'direct'],
    default: 'ssh',
    description:
      "How the CLI reaches the controller: `ssh` forwards the API port over SSH to the VM's external IP (host key pinned from the VM's guest attributes); `iap` does the same through `gcloud compute start-iap-tunnel` (no external IP needed); `direct` calls the controller's internal address (from inside the VPC or over a VPN).",
  },
  port: {
    type: 'integer',
    minimum: 1,
    maximum: 65535,
    default: 10000,
    description: 'Port the controller serves its API and dashboard on.',
  },
  image: {
    type: 'string',
    minLength: 1,
    description: 'Container image of the controller; defaults to `controller.image`.',
  },
  api_endpoint: apiEndpoint,
  state_bucket: {
    type: 'string',
    pattern: '^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$',
    description:
      "A Cloud Storage bucket (its name, without gs://) the controller snapshots its database to, as `<cluster>/controller-<time>.db`, every `state_snapshot_interval` and on shutdown; a controller whose state disk is new restores the newest. The VM's service account needs roles/storage.objectAdmin on it.",
  },
  state_snapshot_interval: {
    // A duration as core writes them (`500ms`, `30s`, `10m`, `1h30m`); above 0 is checked at load.
    type: 'string',
    pattern: DURATION_PATTERN,
    default: '10m',
    description: 'How often the controller snapshots its database to `state_bucket` (a duration such as `10m`; above 0), and once more on a clean shutdown.',
  },
  state_snapshots_kept: {
    type: 'integer',
    minimum: 1,
    maximum: 1000,
    default: 10,
    description: 'How many snapshots of the database `state_bucket` keeps (the newest; older ones are deleted).',
  },
} satisfies Record<keyof GcpControllerConfig, JsonSchema>;

/** JSON Schema (draft-07) of the `controller.provider: {type: gcp}` block. */
export const gcpControllerSchema: JsonSchema = {
  title: 'GCP controller',
  description: 'Runs the controller on a Google Compute Engine VM.',
  type: 'object',
  properties: controllerProperties,
  required: ['type'],
  additionalProperties: false,
};
