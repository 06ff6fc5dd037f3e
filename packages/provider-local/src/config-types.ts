/** The local provider's config blocks after core has validated them and applied the defaults. */

/** A scale group's `provider: {type: local}` block: workers as processes on this machine. */
export interface LocalProviderConfig {
  readonly type: 'local';
  /** Base folder for the workers' directories; absent means under the controller's state_dir. */
  readonly work_dir?: string;
}

/** The `controller.provider: {type: local}` block: the controller as a local process. */
export interface LocalControllerConfig {
  readonly type: 'local';
  /** 0 lets the system pick a free port. */
  readonly port: number;
  readonly host: string;
}
