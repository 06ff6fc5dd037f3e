import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const packageDir = fileURLToPath(new URL('../../', import.meta.url));
export const SERVE_MAIN = fileURLToPath(new URL('../../dist/serve-main.js', import.meta.url));

/** Builds dist/ (incremental, so cheap when fresh): the child process runs the built controller. */
export function buildController(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', 'tsconfig.lib.json'], { cwd: packageDir, stdio: 'inherit' });
}

export interface ChildController {
  child: ChildProcess;
  url: string;
}

/** Starts `node dist/serve-main.js --state-dir DIR --port 0` and waits for its `{url}` line. */
export async function spawnController(stateDir: string): Promise<ChildController> {
  const child = spawn(process.execPath, [SERVE_MAIN, '--state-dir', stateDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`controller exited with ${code}: ${stderr}`)));
  });
  return { child, url };
}

export function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
