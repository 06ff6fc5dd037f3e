import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { repoRoot } from './paths.mjs';

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';
const HEADER = '| benchmark | figure | bar | result | machine | date |\n|---|---|---|---|---|---|';

const INTRO = `# Benchmarks

\`npm run bench\` runs every benchmark of \`scripts/bench/\` against the built packages (build first:
\`npm run build\`); \`npm run bench -- NAME… --write\` runs some and records them here. Each row keeps
the machine it was measured on; rerun on yours before comparing. Benchmarks are not tests: they are
never part of \`npm test\`.

`;

function rowOf(result, info) {
  const machine = `${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, node ${info.node}`;
  const cells = [result.name, result.figure, result.bar, result.pass ? 'pass' : 'FAIL', machine, info.date];
  return `| ${cells.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |`;
}

function existingRows(text) {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) return new Map();
  const rows = new Map();
  for (const line of text.slice(start + START.length, end).split('\n')) {
    const match = /^\| ([^|]+?) \|/.exec(line);
    if (match && match[1] !== 'benchmark' && !line.startsWith('|---')) rows.set(match[1], line);
  }
  return rows;
}

/**
 * Replaces the rows of the benchmarks in `results` in BENCHMARKS.md, keeping the rows of the
 * others (so each engineer can record their own benchmark without rerunning everyone's).
 */
export async function writeBenchmarksFile(results, info) {
  const file = `${repoRoot}BENCHMARKS.md`;
  const text = existsSync(file) ? await readFile(file, 'utf8') : INTRO;
  const rows = existingRows(text);
  for (const result of results) rows.set(result.name, rowOf(result, info));
  const sorted = [...rows.keys()].sort().map((name) => rows.get(name));
  const block = `${START}\n${HEADER}\n${sorted.join('\n')}\n${END}`;
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  const next = start >= 0 && end > start ? text.slice(0, start) + block + text.slice(end + END.length) : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(file, next);
  return file;
}
