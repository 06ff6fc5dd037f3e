/** Where a command writes and what it reads from its surroundings; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative paths on the command line resolve from here. */
  readonly cwd: string;
}
