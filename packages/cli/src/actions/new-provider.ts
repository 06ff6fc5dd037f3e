import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { CORE_VERSION } from '@iris/core';
import type { CliIo } from '../context.js';
import { usageError } from '../exit-codes.js';
import { providerTemplate } from './new-provider-templates.js';

const TYPE_NAME = /^[a-z][a-z0-9-]*[a-z0-9]$/;

/** `acme-cloud` → `AcmeCloud`. */
function pascalCase(type: string): string {
  return type
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * `iris providers new NAME [--dir D]`: writes a provider package skeleton that builds and passes
 * the conformance suite, for its author to fill in.
 */
export async function newProvider(name: string, options: { dir?: string }, io: CliIo): Promise<void> {
  if (!TYPE_NAME.test(name)) {
    throw usageError(`provider name "${name}" must be lower-case letters, digits and dashes (e.g. "acme"); it becomes the provider type`);
  }
  const packageName = `iris-provider-${name}`;
  const dir = resolve(io.cwd, options.dir ?? packageName);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw usageError(`${dir} already exists and is not empty; pass --dir with a new folder`);
  }
  const files = providerTemplate({ type: name, packageName, className: pascalCase(name), coreVersion: CORE_VERSION });
  for (const [path, text] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  const rel = relative(io.cwd, dir);
  const shown = rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
  io.out(
    [
      `created ${packageName} in ${shown} (${Object.keys(files).length} files)`,
      'next:',
      `  cd ${shown} && npm install && npm test`,
      '  then fill in what README.md lists under "What to fill in"',
      '',
    ].join('\n'),
  );
}
