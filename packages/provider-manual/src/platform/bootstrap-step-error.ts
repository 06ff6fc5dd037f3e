import { IrisError } from '@iris/core';

export const MANUAL_BOOTSTRAP_FAILED = 'IRIS_MANUAL_BOOTSTRAP_FAILED';

/**
 * A host bootstrap that failed at a named step, with the host's last output lines. `permanent`
 * marks a failure only an operator can fix (retrying would only hammer the host).
 */
export class BootstrapStepError extends IrisError {
  readonly permanent: boolean;

  constructor(
    readonly step: string,
    message: string,
    readonly output: string[],
    options: { cause?: unknown; permanent?: boolean } = {},
  ) {
    super(MANUAL_BOOTSTRAP_FAILED, `${step}: ${message}`, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'BootstrapStepError';
    this.permanent = options.permanent ?? false;
  }
}
