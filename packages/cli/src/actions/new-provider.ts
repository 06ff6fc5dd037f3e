import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { IrisError } from '@iris/core';
import { CLI_PACKAGE_DIR } from '../builtins.js';
import type { CliIo } from '../context.js';
import { usageError } from '../exit-codes.js';

const TYPE_NAME = /^[a-z][a-z0-9-]*[a-z0-9]$/;
const TEMPLATE_MISSING = 'IRIS_PROVIDER_TEMPLATE_MISSING';
/** What is never copied: installs and build output. */
const SKIPPED = new Set(['node_modules', 'dist', '.vite', '.turbo']);

/** `acme-cloud` → `AcmeCloud`. */
function pascalCase(type: string): string {
  return type
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * The example provider the scaffold copies: in the Iris repository, `examples/provider-hello` itself
 * (one source, never a stale copy); in a published install, the copy the CLI ships in `templates/`
 * (staged from the example at pack time by scripts/stage-template.mjs).
 */
export function providerTemplateDir(): string {
  const candidates = [join(CLI_PACKAGE_DIR, '..', '..', 'examples', 'provider-hello'), join(CLI_PACKAGE_DIR, 'templates', 'provider-hello')];
  const found = candidates.find((dir) => existsSync(join(dir, 'package.json')));
  if (!found) {
    throw new IrisError(TEMPLATE_MISSING, `the example provider to copy is not in this install (looked in ${candidates.join(', ')}); reinstall @iris/cli`);
  }
  return found;
}

/** Renames the example's provider (`hello`, `Hello`, `HELLO`, `iris-provider-hello`) to `name`. */
function renamer(name: string): (text: string) => string {
  const pascal = pascalCase(name);
  const upper = name.toUpperCase().replace(/-/g, '_');
  const camel = pascal.charAt(0).toLowerCase() + pascal.slice(1);
  return (text) =>
    text
      .replace(/iris-provider-hello/g, `iris-provider-${name}`)
      .replace(/HELLO/g, upper)
      .replace(/Hello/g, pascal)
      .replace(/hello(?=[A-Z])/g, camel)
      .replace(/hello/g, name);
}

function copyTree(from: string, to: string, rename: (text: string) => string, written: string[]): void {
  for (const entry of readdirSync(from)) {
    if (SKIPPED.has(entry) || entry.endsWith('.tsbuildinfo')) continue;
    const source = join(from, entry);
    const target = join(to, rename(entry));
    if (statSync(source).isDirectory()) {
      copyTree(source, target, rename, written);
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, rename(readFileSync(source, 'utf8')));
    written.push(target);
  }
}

/**
 * `iris providers new NAME [--dir D]`: copies the example provider (examples/provider-hello),
 * renamed to NAME. As generated it builds, typechecks and passes the conformance suite, join check
 * included; its README lists what to replace.
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
  const written: string[] = [];
  copyTree(providerTemplateDir(), dir, renamer(name), written);
  const rel = relative(io.cwd, dir);
  const shown = rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
  io.out(
    [
      `created ${packageName} in ${shown} (${written.length} files, a copy of the example provider)`,
      'next:',
      `  cd ${shown} && npm install && npm test`,
      '  then replace what README.md lists under "What to fill in"',
      '',
    ].join('\n'),
  );
}
