import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { IrisError } from '@iris/core';
import { composeClusterSchema } from '@iris/core/config';
import { loadRegistry } from '../cluster-file.js';
import type { CliIo } from '../context.js';

/** The composed schema as the file editors read: stable key order, two-space indent, final newline. */
export function schemaText(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** `iris schema [-c FILE] [-o OUT]`. */
export async function printSchema(options: { config?: string; output?: string }, io: CliIo): Promise<void> {
  const registry = await loadRegistry(options.config, io);
  const text = schemaText(composeClusterSchema(registry));
  if (options.output === undefined) {
    io.out(text);
    return;
  }
  const out = resolve(io.cwd, options.output);
  try {
    await writeFile(out, text);
  } catch (cause) {
    throw new IrisError('IRIS_OUTPUT_UNWRITABLE', `cannot write the schema to ${options.output}; check that its folder exists and is writable`, {
      cause,
    });
  }
  io.err(`wrote ${options.output}\n`);
}
