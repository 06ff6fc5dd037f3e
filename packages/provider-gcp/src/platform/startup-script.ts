import { readFileSync } from 'node:fs';

/** The script templates ship in the package's docker/ folder (two levels up from src/ and dist/). */
const DOCKER_DIR = new URL('../../docker/', import.meta.url);

export const WORKER_SCRIPT_TEMPLATE = 'startup-script.sh';
export const CONTROLLER_SCRIPT_TEMPLATE = 'controller-startup-script.sh';

export function readScriptTemplate(name: string): string {
  return readFileSync(new URL(name, DOCKER_DIR), 'utf8');
}

/** Single-quotes a value for bash: nothing inside is expanded. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Puts the settings right after the template's shebang line, as plain assignments, so the script
 * that runs is the checked-in one, unchanged below its header.
 */
export function renderScript(template: string, settings: Readonly<Record<string, string | undefined>>, extra?: string): string {
  const newline = template.indexOf('\n');
  const shebang = template.slice(0, newline + 1);
  const lines = ['# --- settings written by the Iris gcp provider ---'];
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new Error(`not a shell variable name: ${key}`);
    lines.push(`${key}=${shellQuote(value)}`);
  }
  if (extra !== undefined && extra.trim() !== '') {
    lines.push('iris_extra_setup() {', extra.trimEnd(), '}');
  }
  lines.push('# --- end of settings ---', '');
  return shebang + lines.join('\n') + template.slice(newline + 1);
}

export interface WorkerScriptSettings {
  image: string;
  controllerAddress: string;
  /** The slice's join token (never the controller's master token). */
  token?: string;
  cacheDir: string;
  /** Extra `KEY=VALUE` environment for the worker container. */
  env: Readonly<Record<string, string>>;
  /** Group attributes every worker advertises, beside the TPU ones the script reads. */
  attributes: Readonly<Record<string, string>>;
  extra?: string;
}

/** The startup-script metadata of a TPU VM: bootstraps the worker container, no SSH needed. */
export function renderWorkerStartupScript(settings: WorkerScriptSettings): string {
  const env = Object.entries(settings.env).map(([k, v]) => `${k}=${v}`);
  const attributes = Object.entries(settings.attributes).map(([k, v]) => `${k}=${v}`);
  return renderScript(
    readScriptTemplate(WORKER_SCRIPT_TEMPLATE),
    {
      IRIS_WORKER_IMAGE: settings.image,
      IRIS_CONTROLLER_ADDRESS: settings.controllerAddress,
      IRIS_JOIN_TOKEN: settings.token,
      IRIS_CACHE_DIR: settings.cacheDir,
      IRIS_WORKER_ENV: env.length > 0 ? env.join('\n') : undefined,
      IRIS_EXTRA_ATTRIBUTES: attributes.length > 0 ? attributes.join(',') : undefined,
    },
    settings.extra,
  );
}

/** The metadata key the controller VM reads its cluster file from. */
export const CLUSTER_FILE_METADATA_KEY = 'iris-cluster-yaml';
/** The device name the state disk is attached under (`/dev/disk/by-id/google-iris-state`). */
export const STATE_DISK_DEVICE_NAME = 'iris-state';

/** The startup-script metadata of the controller's GCE VM. */
export function renderControllerStartupScript(settings: { image: string; port: number; stateMount: string }): string {
  return renderScript(readScriptTemplate(CONTROLLER_SCRIPT_TEMPLATE), {
    IRIS_CONTROLLER_IMAGE: settings.image,
    IRIS_CONTROLLER_PORT: String(settings.port),
    IRIS_STATE_MOUNT: settings.stateMount,
  });
}
