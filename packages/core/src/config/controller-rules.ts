import type { ConfigIssue } from './issues.js';
import type { YamlSource } from './yaml-source.js';

type Plain = Record<string, unknown>;

/** Controller durations that must be above 0: a 0 tick would spin, a 0 worker timeout would lose every worker. */
const POSITIVE: readonly string[] = ['worker_timeout', 'max_wait', 'tick', 'login_code_ttl', 'session_ttl'];

/**
 * Rules of `controller` the schema cannot say, on the resolved section (durations in
 * milliseconds): every duration above 0. Each issue points at the key in the file, or at the
 * section when it is a default. (Counts of `controller.limits` are >= 1 by the schema.)
 */
export function controllerIssues(controller: Plain, source: YamlSource): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const at = (key: string): string[] => (source.doc.hasIn(['controller', key]) ? ['controller', key] : ['controller']);
  for (const key of POSITIVE) {
    const value = controller[key];
    if (typeof value === 'number' && value <= 0) {
      issues.push(source.issueAt(at(key), `controller.${key} must be above 0 (got ${value}ms): give a duration such as 10s`));
    }
  }
  return issues;
}
