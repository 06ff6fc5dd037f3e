import { IrisError } from '@iris/core';

export const MANUAL_BOOTSTRAP_FAILED = 'IRIS_MANUAL_BOOTSTRAP_FAILED';

/** A host bootstrap that failed at a named step, with the host's last output lines. */
export class BootstrapStepError extends IrisError {
  constructor(
    readonly step: string,
    message: string,
    readonly output: string[],
    options: { cause?: unknown } = {},
  ) {
    super(MANUAL_BOOTSTRAP_FAILED, `${step}: ${message}`, options);
    this.name = 'BootstrapStepError';
  }
}
