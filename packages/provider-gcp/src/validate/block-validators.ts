import { parseDuration, type ClusterConfig, type ScaleGroupConfig } from '@iris/core';
import type { GcpControllerConfig, GcpProviderConfig } from '../config-types.js';
import { validateControllerAddress, validateGcpController, validateGcpGroup, type GcpConfigIssue } from './validate-gcp.js';

/** What core's load-time `validate` hooks hand a provider besides its block (contract v2). */
export interface BlockValidationContext {
  readonly group?: { readonly name: string; readonly [key: string]: unknown };
  readonly cluster: Readonly<Record<string, unknown>>;
}

/** An issue inside a provider block, as core's hooks return it (core adds file:line:col). */
export interface BlockIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly severity?: 'error' | 'warning';
}

/**
 * The rules of a group's `provider: {type: gcp}` block, for core's `validate` hook. Issues about
 * the block's own fields keep their path in it; those about the group or the file (slice_size,
 * defaults.bootstrap) are reported at the block, naming the field.
 */
export function gcpGroupBlockIssues(provider: GcpProviderConfig, ctx: BlockValidationContext): BlockIssue[] {
  if (ctx.group === undefined) return [];
  // Core hands the resolved file (defaults applied, schema checked) as plain data.
  const cluster = ctx.cluster as unknown as ClusterConfig;
  const group = { ...(ctx.group as unknown as ScaleGroupConfig), provider: { ...provider } };
  const issues = [...validateGcpGroup(group, cluster), ...validateControllerAddress(cluster, [group])];
  return issues.map(relativeTo(['scale_groups', group.name, 'provider']));
}

/** The rules of the `controller.provider: {type: gcp}` block, for core's `validateController` hook. */
export function gcpControllerBlockIssues(controller: GcpControllerConfig, ctx: BlockValidationContext): BlockIssue[] {
  return [...validateGcpController(ctx.cluster as unknown as ClusterConfig).map(relativeTo(['controller', 'provider'])), ...snapshotIssues(controller)];
}

/** `state_snapshot_interval` above 0 (the schema checked its form). */
function snapshotIssues(controller: GcpControllerConfig): BlockIssue[] {
  if (controller.state_snapshot_interval === undefined) return [];
  let ms: number;
  try {
    ms = parseDuration(controller.state_snapshot_interval);
  } catch {
    return [];
  }
  return ms > 0 ? [] : [{ path: ['state_snapshot_interval'], message: `must be above 0 (got ${ms}ms): give a duration such as 10m` }];
}

function relativeTo(prefix: readonly string[]): (issue: GcpConfigIssue) => BlockIssue {
  return (issue) => {
    const inside = prefix.every((segment, i) => issue.path[i] === segment);
    const severity = issue.severity ? { severity: issue.severity } : {};
    return inside
      ? { path: issue.path.slice(prefix.length), message: issue.message, ...severity }
      : { path: [], message: `${issue.path.join('.')}: ${issue.message}`, ...severity };
  };
}
