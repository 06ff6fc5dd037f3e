import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built executable: tests run what users run (nx builds before it tests). */
export const IRIS_BIN = fileURLToPath(new URL('../bin/iris.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface IrisRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/iris.js ...args` as a child process and collects its output and exit code. */
export function runIris(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<IrisRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, IRIS_DEBUG: undefined, ...options.env };
    const child = spawn(process.execPath, [IRIS_BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
