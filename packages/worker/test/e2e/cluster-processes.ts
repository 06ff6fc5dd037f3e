import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IrisClient } from '@iris/core/api';
import { reapOrphans } from '../../src/runtime/reap-orphans.js';

/** The built programs the end-to-end tests run as real processes (nx builds them before tests). */
export const CONTROLLER_MAIN = fileURLToPath(new URL('../../../controller/dist/serve-main.js', import.meta.url));
const SERVE_WITH_LIMITS = fileURLToPath(new URL('./fixtures/serve-with-limits.mjs', import.meta.url));
export const WORKER_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function exited(proc: ChildProcess): Promise<void> {
  return proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((r) => proc.once('exit', () => r()));
}

/** True when this controller build accepts `--worker-timeout MS` (see PROTOCOL-NOTES.md). */
export function controllerTakesWorkerTimeout(): boolean {
  return existsSync(CONTROLLER_MAIN) && readFileSync(CONTROLLER_MAIN, 'utf8').includes("'worker-timeout'");
}

export class ControllerProcess {
  private constructor(
    readonly proc: ChildProcess,
    readonly url: string,
    readonly token: string,
    readonly stateDir: string,
    readonly stderr: string[],
  ) {}

  get tokenFile(): string {
    return join(this.stateDir, 'token');
  }

  client(): IrisClient {
    return new IrisClient({ baseUrl: this.url, token: this.token });
  }

  /** Starts `serve-main.js` and resolves once it printed its URL. */
  static async start(stateDir: string, options: { port?: number; workerTimeoutMs?: number } = {}): Promise<ControllerProcess> {
    mkdirSync(stateDir, { recursive: true });
    const port = String(options.port ?? 0);
    let args = [CONTROLLER_MAIN, '--state-dir', stateDir, '--port', port, '--host', '127.0.0.1'];
    if (options.workerTimeoutMs !== undefined) {
      args = controllerTakesWorkerTimeout()
        ? [...args, '--worker-timeout', String(options.workerTimeoutMs)]
        : [SERVE_WITH_LIMITS, stateDir, port, String(options.workerTimeoutMs)];
    }
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    proc.stderr?.on('data', (c: Buffer) => stderr.push(c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve((JSON.parse(out.slice(0, nl)) as { url: string }).url);
      });
      proc.once('exit', (code) => reject(new Error(`controller exited ${code} before serving: ${stderr.join('')}`)));
    });
    const token = readFileSync(join(stateDir, 'token'), 'utf8').trim();
    return new ControllerProcess(proc, url, token, stateDir, stderr);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.proc.kill(signal);
    await exited(this.proc);
  }
}

export interface WorkerProcessOptions {
  controller: { url: string; tokenFile: string };
  workDir: string;
  workerId: string;
  attributes?: string[];
}

export class WorkerProcess {
  readonly stderr: string[] = [];

  private constructor(
    readonly proc: ChildProcess,
    readonly options: WorkerProcessOptions,
  ) {
    proc.stderr?.on('data', (c: Buffer) => this.stderr.push(c.toString()));
  }

  get workerId(): string {
    return this.options.workerId;
  }

  static start(options: WorkerProcessOptions): WorkerProcess {
    const args = [
      WORKER_MAIN,
      '--controller',
      options.controller.url,
      '--token-file',
      options.controller.tokenFile,
      '--work-dir',
      options.workDir,
      '--worker-id',
      options.workerId,
    ];
    for (const a of options.attributes ?? []) args.push('--attribute', a);
    const env = { ...process.env };
    delete env['IRIS_TOKEN'];
    return new WorkerProcess(spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env }), options);
  }

  /** SIGKILL leaves the worker's attempts running (their own process groups); this ends them too. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.proc.kill(signal);
    await exited(this.proc);
  }

  /** Ends the attempts a SIGKILLed worker left behind, as a restarted worker would. */
  reapOrphans(): number[] {
    return reapOrphans(join(this.options.workDir, 'pids'));
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
      this.reapOrphans();
      return;
    }
    this.proc.kill('SIGTERM');
    const done = await Promise.race([exited(this.proc).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    if (!done) await this.kill('SIGKILL');
    this.reapOrphans();
  }
}

/** Starts `count` workers, waiting until the controller lists every one. */
export async function startWorkers(controller: ControllerProcess, root: string, specs: Array<{ id: string; attributes?: string[] }>): Promise<WorkerProcess[]> {
  const workers = specs.map((s) =>
    WorkerProcess.start({ controller, workDir: join(root, s.id), workerId: s.id, ...(s.attributes ? { attributes: s.attributes } : {}) }),
  );
  const client = controller.client();
  await waitFor(`${specs.length} workers to register`, async () => {
    const listed = (await client.listWorkers({ limit: 1000 })).items.map((w) => w.worker_id);
    return specs.every((s) => listed.includes(s.id)) ? true : undefined;
  });
  return workers;
}
