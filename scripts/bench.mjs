#!/usr/bin/env node
// Runs the benchmarks in scripts/bench/*.mjs against the built packages (dist/).
//   node scripts/bench.mjs [NAME...] [--write]
// Each module exports `name`, `bar` (the target, as text) and `run()` resolving to
// `{ figure, pass, detail? }`. `--write` records the results in BENCHMARKS.md, replacing the rows
// of the benchmarks that ran and keeping the others. Benchmarks are not tests: they never run in CI.
import 'reflect-metadata';
import os from 'node:os';
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeBenchmarksFile } from './bench/lib/report.mjs';

const benchDir = fileURLToPath(new URL('./bench/', import.meta.url));
const args = process.argv.slice(2);
const write = args.includes('--write');
const wanted = args.filter((arg) => !arg.startsWith('--'));

async function loadBenchmarks() {
  const files = (await readdir(benchDir)).filter((file) => file.endsWith('.mjs')).sort();
  const benches = [];
  for (const file of files) {
    const module = await import(pathToFileURL(`${benchDir}${file}`).href);
    const bench = module.default ?? module;
    if (typeof bench.name !== 'string' || typeof bench.bar !== 'string' || typeof bench.run !== 'function') {
      throw new Error(`scripts/bench/${file} must export name (string), bar (string) and run()`);
    }
    benches.push({ name: bench.name, bar: bench.bar, run: bench.run });
  }
  return benches;
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
  };
}

function printTable(rows) {
  const headers = ['benchmark', 'figure', 'bar', 'result'];
  const cells = rows.map((r) => [r.name, r.figure, r.bar, r.pass ? 'pass' : 'FAIL']);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) =>
    c
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log([line(headers), ...cells.map(line)].join('\n'));
  for (const r of rows) if (r.detail) console.log(`  ${r.name}: ${r.detail}`);
}

const all = await loadBenchmarks();
const unknown = wanted.filter((name) => !all.some((b) => b.name === name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const selected = wanted.length > 0 ? all.filter((b) => wanted.includes(b.name)) : all;

const results = [];
for (const bench of selected) {
  process.stderr.write(`running ${bench.name}…\n`);
  try {
    const { figure, pass, detail } = await bench.run();
    results.push({ name: bench.name, bar: bench.bar, figure, pass, detail });
  } catch (err) {
    results.push({ name: bench.name, bar: bench.bar, figure: 'error', pass: false, detail: err.message });
  }
}

const info = machine();
console.log(`${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, node ${info.node}, ${info.date}\n`);
printTable(results);
if (write) {
  const file = await writeBenchmarksFile(results, info);
  console.log(`\nwrote ${file}`);
}
process.exitCode = results.every((r) => r.pass) ? 0 : 1;
