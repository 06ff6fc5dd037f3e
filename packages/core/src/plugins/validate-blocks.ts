import type { ConfigIssue } from '../config/issues.js';
import type { ProviderConfig } from '../config/types.js';
import type { PathSegment, YamlSource } from '../config/yaml-source.js';
import type { ProviderIssue, ProviderValidationContext } from '../plugin.js';
import type { ProviderRegistry } from './registry.js';

type Plain = Record<string, unknown>;

/**
 * Runs each provider's own cross-field rules (contract v2 `validate` / `validateController`) over
 * the blocks that passed their schemas, and positions what they find at file:line:col. A group
 * that inherits the top-level `provider:` is checked there, and the message names the group. A
 * validator that throws is reported against its package, not as a crash.
 */
export function validateProviderBlocks(data: Plain, source: YamlSource, registry: ProviderRegistry): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const run = (block: Plain | undefined, at: PathSegment[], prefix: string, kind: 'group' | 'controller', ctx: ProviderValidationContext): void => {
    if (!block || typeof block['type'] !== 'string') return;
    const entry = registry.entry(block['type']);
    const validate = kind === 'group' ? entry?.plugin.validate : entry?.plugin.validateController;
    if (!entry || !validate) return;
    let found: readonly ProviderIssue[];
    try {
      found = validate(block as ProviderConfig, ctx);
    } catch (err) {
      issues.push(
        source.issueAt(
          at,
          `${prefix}the ${entry.packageName} validator failed (${err instanceof Error ? err.message : String(err)}); report it to the package's authors`,
        ),
      );
      return;
    }
    for (const issue of found) {
      const path = [...at, ...issue.path];
      const where = source.doc.hasIn(path) ? path : at;
      issues.push(source.issueAt(where, `${prefix}${issue.message}`, issue.severity ?? 'error'));
    }
  };

  const groups = (data['scale_groups'] ?? {}) as Record<string, Plain>;
  for (const [name, group] of Object.entries(groups)) {
    const own = source.doc.hasIn(['scale_groups', name, 'provider']);
    run(
      group['provider'] as Plain | undefined,
      own ? ['scale_groups', name, 'provider'] : ['provider'],
      own ? '' : `scale_groups.${name} (inherits provider): `,
      'group',
      {
        group: group as ProviderValidationContext['group'] & Plain,
        cluster: data,
      },
    );
  }
  const controller = (data['controller'] ?? {}) as Plain;
  const written = source.doc.hasIn(['controller', 'provider']);
  run(controller['provider'] as Plain | undefined, written ? ['controller', 'provider'] : ['controller'], '', 'controller', { cluster: data });
  return issues;
}
