import { IrisError } from '../errors.js';

export const PLUGIN_ERROR_CODE = 'IRIS_PLUGIN_INVALID';

export type PluginFailureCode =
  | 'not_found'
  | 'import_failed'
  | 'not_a_plugin'
  | 'api_version'
  | 'core_copy'
  | 'duplicate_type'
  | 'schema_invalid'
  | 'schema_not_strict'
  | 'register_failed'
  | 'tsyringe_copy'
  | 'peer_range';

/** One plugin that could not be used, named by package, with what to do about it. */
export interface PluginFailure {
  code: PluginFailureCode;
  /** The package (or path) the failure is about. */
  packageName: string;
  message: string;
  /** Index of the `plugins:` entry it came from; absent for built-in plugins. */
  specIndex?: number;
  cause?: unknown;
}

/** Every plugin failure at once; the cluster loader turns each into an issue at its `plugins:` entry. */
export class PluginLoadError extends IrisError {
  readonly failures: PluginFailure[];

  constructor(failures: PluginFailure[]) {
    super(PLUGIN_ERROR_CODE, ['provider plugins could not be loaded:', ...failures.map((f) => `  ${f.message}`)].join('\n'), {
      cause: failures.find((f) => f.cause !== undefined)?.cause,
    });
    this.name = 'PluginLoadError';
    this.failures = failures;
  }
}
