import type { ConfigIssue } from './issues.js';
import { LEGACY_PREFIX } from './legacy.js';
import { runPipeline, type LoadClusterOptions } from './load-cluster.js';
import { YamlSource } from './yaml-source.js';

/**
 * The canonical form of a (possibly legacy) cluster file, keeping comments where the YAML document
 * allows. The file is loaded as a whole first: an invalid file throws ConfigError instead of being
 * half-migrated.
 */
export async function migrateClusterText(text: string, fileName: string, options: LoadClusterOptions): Promise<{ text: string; warnings: ConfigIssue[] }> {
  // A file that loads with no legacy warning is already canonical: it is returned untouched.
  const asIs = await runPipeline(new YamlSource(fileName, text), options).catch(() => undefined);
  if (asIs && !asIs.warnings.some((w) => w.message.startsWith(LEGACY_PREFIX))) return { text, warnings: asIs.warnings };
  const source = new YamlSource(fileName, text);
  const { warnings } = await runPipeline(source, options, true);
  return { text: source.doc.toString({ lineWidth: 0 }), warnings };
}
