import { IrisError } from '../errors.js';

export const CONFIG_ERROR_CODE = 'IRIS_CONFIG_INVALID';
/** The path of an issue about the document as a whole (a syntax error, a non-mapping document). */
export const ROOT_PATH = '(root)';

/** One problem (or legacy-form warning) in a cluster file, pointing at the node it is about. */
export interface ConfigIssue {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Dotted path of the node, e.g. `scale_groups.edge.provider.type`; `(root)` for the whole file. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

/** `cluster.yaml:14:7 scale_groups.edge.provider.type: unknown provider "aws" (…)` */
export function formatConfigIssue(issue: ConfigIssue): string {
  const tag = issue.severity === 'warning' ? 'warning: ' : '';
  return `${issue.file}:${issue.line}:${issue.column} ${issue.path}: ${tag}${issue.message}`;
}

/** Every error of a cluster file at once; `message` lists them one per line. */
export class ConfigError extends IrisError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[], options: { cause?: unknown } = {}) {
    const errors = issues.filter((i) => i.severity === 'error');
    const file = errors[0]?.file ?? 'cluster file';
    const header = `${file}: ${errors.length} error${errors.length === 1 ? '' : 's'} in the cluster file`;
    super(CONFIG_ERROR_CODE, [header, ...errors.map((i) => `  ${formatConfigIssue(i)}`)].join('\n'), options);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Path segments → `a.b.0.c`; an empty path is the document root. */
export function formatPath(segments: readonly (string | number)[]): string {
  return segments.length === 0 ? ROOT_PATH : segments.map(String).join('.');
}
