/**
 * Bootstrap scripts print one `IRIS_PHASE <name>` line as each step begins, and `IRIS_ERROR <text>`
 * before failing, so the caller reports progress (`VmInfo.initPhase`) and the failing step without
 * parsing free-form output.
 */
export const PHASE_PREFIX = 'IRIS_PHASE ';
export const ERROR_PREFIX = 'IRIS_ERROR ';
export const STATUS_PREFIX = 'IRIS_STATUS ';

/** The steps of a daemon (worker or controller) bootstrap, in order. */
export const BOOTSTRAP_PHASES = ['prerequisites', 'configure', 'start', 'running'] as const;
export type BootstrapPhase = (typeof BOOTSTRAP_PHASES)[number];

export interface ParsedBootstrapOutput {
  /** Every phase seen, in order. */
  phases: string[];
  /** The last phase seen: where a failure happened. */
  lastPhase: string | undefined;
  /** `IRIS_ERROR` lines, without the prefix. */
  errors: string[];
  /** `IRIS_STATUS` value, when a status script printed one. */
  status: string | undefined;
}

/** Reads the markers out of a script's output (any other line is ignored). */
export function parseBootstrapOutput(output: string): ParsedBootstrapOutput {
  const phases: string[] = [];
  const errors: string[] = [];
  let status: string | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith(PHASE_PREFIX)) phases.push(line.slice(PHASE_PREFIX.length).trim());
    else if (line.startsWith(ERROR_PREFIX)) errors.push(line.slice(ERROR_PREFIX.length).trim());
    else if (line.startsWith(STATUS_PREFIX)) status = line.slice(STATUS_PREFIX.length).trim();
  }
  return { phases, lastPhase: phases.at(-1), errors, status };
}

/** The phase a single output line announces, if it is a phase marker. */
export function phaseOfLine(line: string): string | undefined {
  return line.startsWith(PHASE_PREFIX) ? line.slice(PHASE_PREFIX.length).trim() : undefined;
}
