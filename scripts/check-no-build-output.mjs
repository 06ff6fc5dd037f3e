#!/usr/bin/env node
// Fails when build output sits in the repository: compiled files beside their sources (`x.js` next to `x.ts`),
// declarations and maps (`*.d.ts`, `*.d.ts.map`, `*.js.map`), `*.tsbuildinfo`, or anything under dist/ or out-tsc/.
// It looks at what git tracks plus untracked files git does not ignore, so it catches them before they are committed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function git(...args) {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .split('\n')
      .filter(Boolean);
  } catch (err) {
    console.error(`check-no-build-output: \`git ${args.join(' ')}\` failed (${String(err.stderr ?? err.message).trim()}); run it in a git checkout of Iris`);
    process.exit(1);
  }
}
const files = [...new Set([...git('ls-files'), ...git('ls-files', '--others', '--exclude-standard')])].filter((f) => existsSync(f));

const BUILD_SUFFIXES = ['.d.ts', '.d.ts.map', '.js.map', '.tsbuildinfo'];
const tracked = new Set(files);
const offending = files.filter((file) => {
  if (/(^|\/)(dist|out-tsc)\//.test(file)) return true;
  if (BUILD_SUFFIXES.some((suffix) => file.endsWith(suffix))) return true;
  // A compiled twin of a TypeScript source in the same folder.
  return /\.(m?js)$/.test(file) && (tracked.has(file.replace(/\.m?js$/, '.ts')) || tracked.has(file.replace(/\.m?js$/, '.mts')));
});

if (offending.length > 0) {
  console.error(
    `build output in the repository (${offending.length} file${offending.length === 1 ? '' : 's'}); delete ${offending.length === 1 ? 'it' : 'them'} (git rm --cached if tracked):`,
  );
  for (const file of offending) console.error(`  ${file}`);
  process.exit(1);
}
console.log(`no build output among ${files.length} files`);
