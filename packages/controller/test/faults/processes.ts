import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SERVE_MAIN } from '../support/child-controller.js';

export interface ControllerProcess {
  child: ChildProcess;
  /** Settles with the exit code (or signal name) once the process ends. */
  exited: Promise<number | string>;
  /** Resolves with the URL once the controller prints its `{url}` line; rejects if it exits first. */
  ready: Promise<string>;
  stderr(): string;
}

/** `node dist/serve-main.js --state-dir DIR --port N` as a child process (buildController() first). */
export function startControllerProcess(stateDir: string, port = 0, env: NodeJS.ProcessEnv = process.env): ControllerProcess {
  const child = spawn(process.execPath, [SERVE_MAIN, '--state-dir', stateDir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    void exited.then((code) => reject(new Error(`controller exited with ${code}: ${stderr}`)));
  });
  ready.catch(() => undefined);
  return { child, exited, ready, stderr: () => stderr };
}

export async function stopProcess(p: { child: ChildProcess; exited: Promise<unknown> }): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await p.exited;
}

/** Polls `check` until it holds; readiness waits never rely on fixed sleeps. */
export async function until(check: () => boolean | Promise<boolean>, what: string, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
