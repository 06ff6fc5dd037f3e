// Starts the built controller (packages/controller/dist/serve-main.js) as a child process.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { distUrl } from './paths.mjs';

export async function spawnController(stateDir) {
  const main = fileURLToPath(distUrl('controller', 'serve-main.js'));
  const child = spawn(process.execPath, [main, '--state-dir', stateDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line).url));
    child.once('exit', (code) => reject(new Error(`controller exited with ${code}`)));
  });
  const token = readFileSync(`${stateDir}/token`, 'utf8').trim();
  return { child, url, token };
}

export function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Resident set size of a process in bytes (Linux). */
export function rssBytes(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}
