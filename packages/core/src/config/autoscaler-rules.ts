import type { ConfigIssue } from './issues.js';
import type { YamlSource } from './yaml-source.js';

type Plain = Record<string, unknown>;

/** Intervals and timeouts the autoscaler waits on: 0 would mean an evaluation every millisecond. */
const POSITIVE: readonly string[] = [
  'evaluation_interval',
  'requesting_timeout',
  'startup_grace',
  'heartbeat_grace',
  'backoff_initial',
  'backoff_max',
  'quota_timeout',
];

/**
 * Cross-field rules of `defaults.autoscaler` the schema cannot say, on the resolved section
 * (durations in milliseconds): every interval and timeout above 0, backoff_initial at most
 * backoff_max. Each issue points at the key in the file, or at the section when it is a default.
 */
export function autoscalerIssues(autoscaler: Plain, source: YamlSource): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const at = (key: string): string[] => (source.doc.hasIn(['defaults', 'autoscaler', key]) ? ['defaults', 'autoscaler', key] : ['defaults', 'autoscaler']);
  for (const key of POSITIVE) {
    const value = autoscaler[key];
    if (typeof value === 'number' && value <= 0) {
      issues.push(source.issueAt(at(key), `${key} must be above 0 (got ${value}ms): give a duration such as 10s`));
    }
  }
  const initial = autoscaler['backoff_initial'];
  const max = autoscaler['backoff_max'];
  if (typeof initial === 'number' && typeof max === 'number' && initial > max) {
    issues.push(
      source.issueAt(at('backoff_initial'), `backoff_initial (${initial}ms) is above backoff_max (${max}ms); lower backoff_initial or raise backoff_max`),
    );
  }
  return issues;
}
