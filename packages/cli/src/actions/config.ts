import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { hasErrorCode, IrisError } from '@iris/core';
import { CONFIG_ERROR_CODE, formatConfigIssue, migrateClusterText } from '@iris/core/config';
import type { ConfigIssue } from '@iris/core';
import { clusterLoadOptions, clusterPath, loadClusterFile } from '../cluster-file.js';
import type { CliIo } from '../context.js';
import { CliExit, EXIT_USAGE, USAGE_ERROR_CODE } from '../exit-codes.js';
import { printJson } from '../output/json.js';

/** How many groups the `valid` line names before it only counts the rest. */
const GROUPS_NAMED_IN_SUMMARY = 10;

function configIssuesOf(err: unknown): readonly ConfigIssue[] | undefined {
  const issues = (err as { issues?: unknown } | null)?.issues;
  return hasErrorCode(err, CONFIG_ERROR_CODE) && Array.isArray(issues) ? (issues as ConfigIssue[]) : undefined;
}

/** `iris config validate FILE [--json]`. */
export async function validateCluster(file: string, options: { json?: boolean }, io: CliIo): Promise<void> {
  let loaded;
  try {
    loaded = await loadClusterFile(file, io);
  } catch (err) {
    const issues = configIssuesOf(err);
    if (options.json && issues) {
      const errors = issues
        .filter((issue) => issue.severity !== 'warning')
        .map(({ file, line, column, path, message }) => ({ file, line, column, path, message }));
      printJson(io, { errors });
      throw new CliExit(EXIT_USAGE);
    }
    throw err;
  }
  for (const warning of loaded.warnings) io.err(`${formatConfigIssue(warning)}\n`);
  if (options.json) {
    printJson(io, loaded.config);
    return;
  }
  const groups = Object.values(loaded.config.scale_groups);
  const named = groups.slice(0, GROUPS_NAMED_IN_SUMMARY).map((group) => `${group.name} (${group.provider.type})`);
  if (groups.length > named.length) named.push(`… ${groups.length - named.length} more`);
  const count = `${groups.length} group${groups.length === 1 ? '' : 's'}`;
  io.out(`${file}: valid (${count}${named.length > 0 ? `: ${named.join(', ')}` : ''})\n`);
}

async function readClusterText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    // Bad usage (exit 2), like `config validate` on a missing file.
    throw new IrisError(USAGE_ERROR_CODE, `cannot read the cluster file ${path}; check the path and its permissions`, {
      cause,
    });
  }
}

/** `iris config migrate FILE [-w]`. */
export async function migrateCluster(file: string, options: { write?: boolean }, io: CliIo): Promise<void> {
  const path = clusterPath(file, io);
  const original = await readClusterText(path);
  const { text, warnings } = await migrateClusterText(original, path, await clusterLoadOptions(io));
  for (const warning of warnings) io.err(`${formatConfigIssue(warning)}\n`);
  if (!options.write) {
    io.out(text);
    return;
  }
  if (text === original) {
    io.err(`${file}: already in the canonical form; left unchanged\n`);
    return;
  }
  // The backup first: if the rewrite fails halfway, the original survives.
  await copyFile(path, `${path}.bak`);
  await writeFile(path, text);
  io.err(`${file}: rewritten in the canonical form (the original is in ${file}.bak)\n`);
}
