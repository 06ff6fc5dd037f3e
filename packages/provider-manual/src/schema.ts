import type { JsonSchema } from '@iris/core';
import type { ManualControllerConfig, ManualProviderConfig } from './config-types.js';

// A DNS name or IPv4 address, a bracketed IPv6 address, each with an optional `:port`; or a bare
// IPv6 address (two or more colons, so it cannot be mistaken for `host:port`).
const HOST_NAME = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*';
const BRACKETED_IPV6 = '\\[[0-9A-Fa-f:.]+\\]';
const BARE_IPV6 = '[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}';
const PORT = '(?::[0-9]{1,5})?';
export const HOST_ENTRY_PATTERN = `^(?:(?:${HOST_NAME}|${BRACKETED_IPV6})${PORT}|${BARE_IPV6})$`;
/** OpenSSH's fingerprint form: `SHA256:` and 43 characters of unpadded base64. */
export const FINGERPRINT_PATTERN = '^SHA256:[A-Za-z0-9+/]{43}$';

const sshUser = {
  type: 'string',
  pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$',
  description: 'SSH login user; defaults to `defaults.ssh.user`.',
};
const sshKeyFile = {
  type: 'string',
  minLength: 1,
  description: 'Private key file for SSH (`~` is expanded); defaults to `defaults.ssh.key_file`, then the SSH agent.',
};
const sshPort = {
  type: 'integer',
  minimum: 1,
  maximum: 65535,
  description: 'SSH port for hosts written without `:port`; defaults to `defaults.ssh.port`.',
};
const knownHostsFile = {
  type: 'string',
  minLength: 1,
  description: 'known_hosts file host keys are checked against; defaults to `~/.ssh/known_hosts`.',
};
const insecureSkipHostKeyCheck = {
  type: 'boolean',
  default: false,
  description: 'Accept any host key without checking it. Leaves the connection open to interception; use only on a trusted, isolated network.',
};

// `satisfies` ties the property list to the TS config type: adding a field to one without the
// other fails to compile.
const groupProperties = {
  type: { const: 'manual', description: 'Provider type: a fixed pool of machines reached over SSH.' },
  hosts: {
    type: 'array',
    minItems: 1,
    uniqueItems: true,
    items: {
      type: 'string',
      pattern: HOST_ENTRY_PATTERN,
      description: 'A host name or IP address, optionally with `:port` (IPv6 as `[addr]:port`).',
    },
    description: 'The machines of the group; each slice takes `slice_size` free hosts and returns them when released.',
  },
  ssh_user: sshUser,
  ssh_key_file: sshKeyFile,
  ssh_port: sshPort,
  host_key_fingerprints: {
    type: 'object',
    propertyNames: { pattern: HOST_ENTRY_PATTERN },
    additionalProperties: {
      type: 'string',
      pattern: FINGERPRINT_PATTERN,
      description: 'A host key fingerprint as `ssh-keygen -lf` prints it, e.g. `SHA256:…`.',
    },
    default: {},
    description: 'Pinned host key fingerprints, by host as written in `hosts`. A pinned host is checked against its fingerprint instead of known_hosts.',
  },
  known_hosts_file: knownHostsFile,
  insecure_skip_host_key_check: insecureSkipHostKeyCheck,
  worker_dir: {
    type: 'string',
    minLength: 1,
    default: '~/.iris/worker',
    description: 'Folder on each host for the worker program, its cache and task working directories.',
  },
  keep_logs: {
    type: 'boolean',
    default: false,
    description:
      "Keep a released slice's folder `<worker_dir>/<vm id>/` on its host (the worker's log, task logs and job files). By default it is removed when the slice is terminated.",
  },
} satisfies Record<keyof ManualProviderConfig, JsonSchema>;

/** JSON Schema (draft-07) of a scale group's `provider: {type: manual}` block. */
export const manualProviderSchema: JsonSchema = {
  title: 'Manual (SSH hosts) provider',
  description: 'Scale group over a fixed list of machines: Iris starts and stops workers on them over SSH.',
  type: 'object',
  properties: groupProperties,
  required: ['type', 'hosts'],
  additionalProperties: false,
};

const controllerProperties = {
  type: { const: 'manual', description: 'Provider type: run the controller on a machine reached over SSH.' },
  host: {
    type: 'string',
    pattern: HOST_ENTRY_PATTERN,
    description: 'Host name or IP address of the controller machine, optionally with the SSH `:port`.',
  },
  port: {
    type: 'integer',
    minimum: 1,
    maximum: 65535,
    default: 10000,
    description: 'Port the controller serves its API and dashboard on; workers dial it.',
  },
  ssh_user: sshUser,
  ssh_key_file: sshKeyFile,
  ssh_port: sshPort,
  host_key_fingerprint: {
    type: 'string',
    pattern: FINGERPRINT_PATTERN,
    description: 'Pinned host key fingerprint of the controller machine (`SHA256:…`), checked instead of known_hosts.',
  },
  known_hosts_file: knownHostsFile,
  insecure_skip_host_key_check: insecureSkipHostKeyCheck,
} satisfies Record<keyof ManualControllerConfig, JsonSchema>;

/** JSON Schema (draft-07) of the `controller.provider: {type: manual}` block. */
export const manualControllerSchema: JsonSchema = {
  title: 'Manual controller',
  description: 'Runs the controller on a machine Iris reaches over SSH.',
  type: 'object',
  properties: controllerProperties,
  required: ['type', 'host'],
  additionalProperties: false,
};
