import type { ConfigIssue } from './issues.js';
import { runPipeline, type LoadClusterOptions } from './load-cluster.js';
import { YamlSource } from './yaml-source.js';

/**
 * The canonical form of a (possibly legacy) cluster file, keeping comments where the YAML document
 * allows. The result is validated as a whole first: an invalid file throws ConfigError instead of
 * being half-migrated.
 */
export async function migrateClusterText(text: string, fileName: string, options: LoadClusterOptions): Promise<{ text: string; warnings: ConfigIssue[] }> {
  const source = new YamlSource(fileName, text);
  const { warnings } = await runPipeline(source, options, true);
  return { text: source.doc.toString({ lineWidth: 0 }), warnings };
}
