// Copies the example provider (examples/provider-hello) into templates/provider-hello, which the
// published @iris/cli ships for `iris providers new` (run by `npm pack`/`npm publish` via prepack).
// Sources, tests, README, LICENSE, package.json and tsconfig files only: no installs, no build output.
// Two packs may run at once (two test files pack @iris/cli): an up-to-date copy is left alone, and a new
// one is built aside and swapped in by rename, so a concurrent pack never reads a half-written file.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const cliDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = resolve(cliDir, '..', '..', 'examples', 'provider-hello');
const templates = join(cliDir, 'templates');
const target = join(templates, 'provider-hello');
const SKIPPED = new Set(['node_modules', 'dist', '.vite', '.turbo', 'coverage', 'out-tsc']);
const keep = (path) => {
  const name = basename(path);
  return !SKIPPED.has(name) && !name.endsWith('.tsbuildinfo') && !name.endsWith('.tgz');
};

/** The files under `dir` that are copied, relative to it. */
function list(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter(
      (f) =>
        relative(dir, f)
          .split(/[\\/]/)
          .every((part) => keep(part)) && statSync(f).isFile(),
    )
    .map((f) => relative(dir, f))
    .sort();
}

function upToDate() {
  const wanted = list(source);
  const present = list(target);
  return wanted.length === present.length && wanted.every((f, i) => f === present[i] && readFileSync(join(source, f)).equals(readFileSync(join(target, f))));
}

if (!existsSync(join(source, 'package.json'))) {
  console.error(`stage-template: ${source} has no package.json; run this from the Iris repository`);
  process.exit(1);
}
if (!upToDate()) {
  mkdirSync(templates, { recursive: true });
  const staged = join(cliDir, `.template-staging-${process.pid}`);
  cpSync(source, staged, { recursive: true, filter: keep });
  const old = join(cliDir, `.template-old-${process.pid}`);
  if (existsSync(target)) renameSync(target, old);
  renameSync(staged, target);
  rmSync(old, { recursive: true, force: true });
}
