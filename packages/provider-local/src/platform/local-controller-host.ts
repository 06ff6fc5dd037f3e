import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IrisError, type ControllerConfig, type ControllerHost, type ControllerStatus, type PlatformDeps } from '@iris/core';
import { isOurProcessAlive, stopProcessGroup } from './process-control.js';

/** What `iris controller serve` writes into its state_dir once it is listening. */
interface ControllerRecord {
  url: string;
  pid: number;
}

const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;

/** Runs the controller as a detached process on this machine and finds it again by its state_dir. */
export class LocalControllerHost implements ControllerHost {
  private readonly stateDir: string;

  constructor(
    private readonly controller: ControllerConfig,
    private readonly deps: PlatformDeps,
  ) {
    this.stateDir = controller.state_dir;
  }

  private readRecord(): ControllerRecord | undefined {
    try {
      const rec = JSON.parse(readFileSync(join(this.stateDir, 'controller.json'), 'utf8')) as Partial<ControllerRecord>;
      return typeof rec.url === 'string' && typeof rec.pid === 'number' ? (rec as ControllerRecord) : undefined;
    } catch {
      return undefined;
    }
  }

  async status(): Promise<ControllerStatus> {
    const rec = this.readRecord();
    // The state_dir is on the controller's command line, so a recycled pid is never taken for it.
    if (!rec || !isOurProcessAlive(rec.pid, this.stateDir)) return { running: false };
    const healthy = await probeHealth(rec.url);
    return {
      running: healthy,
      address: rec.url,
      location: `pid ${rec.pid}`,
      ...(healthy ? {} : { detail: 'process alive but /health does not answer' }),
    };
  }

  async address(): Promise<string | undefined> {
    const s = await this.status();
    return s.running ? s.address : undefined;
  }

  async start(): Promise<ControllerStatus> {
    const current = await this.status();
    if (current.running) return current;
    const command = this.deps.irisCommand;
    if (!command || command.length === 0) {
      throw new IrisError('IRIS_LOCAL_NO_COMMAND', 'cannot start a local controller: no iris command is known');
    }
    mkdirSync(this.stateDir, { recursive: true });
    const before = this.readRecord();
    const provider = this.controller.provider as { port?: number; host?: string };
    const args = [
      ...command.slice(1),
      'controller',
      'serve',
      '--state-dir',
      this.stateDir,
      '--host',
      provider.host ?? '127.0.0.1',
      '--port',
      String(provider.port ?? 0),
      ...(this.deps.clusterFile ? ['-c', this.deps.clusterFile] : []),
    ];
    const logPath = join(this.stateDir, 'controller.log');
    const log = openSync(logPath, 'a');
    let pid: number | undefined;
    try {
      const child = spawn(command[0]!, args, { detached: true, stdio: ['ignore', log, log], env: process.env });
      child.unref();
      pid = child.pid;
    } finally {
      closeSync(log);
    }
    if (pid === undefined) throw new IrisError('IRIS_LOCAL_CONTROLLER_START', 'could not start the controller process');
    for (let waited = 0; waited < START_TIMEOUT_MS; waited += 50) {
      const rec = this.readRecord();
      if (rec && rec.pid === pid && rec !== before && (await probeHealth(rec.url))) {
        return { running: true, address: rec.url, location: `pid ${pid}` };
      }
      if (!isOurProcessAlive(pid, this.stateDir)) {
        // It exited: its own last words say why (e.g. a group no worker could join); point at the log too.
        throw new IrisError('IRIS_LOCAL_CONTROLLER_START', `the controller exited during start-up: ${lastWords(logPath)}; see ${logPath}`);
      }
      await this.deps.clock.sleep(50);
    }
    throw new IrisError('IRIS_LOCAL_CONTROLLER_START', `the controller did not come up within ${START_TIMEOUT_MS / 1000}s; see ${logPath}`);
  }

  async stop(): Promise<void> {
    const rec = this.readRecord();
    if (!rec) return;
    await stopProcessGroup(rec.pid, this.stateDir, STOP_GRACE_MS, this.deps.clock);
  }
}

/** The error line a failed controller printed last (`iris: …`), else its last log line. */
function lastWords(logPath: string): string {
  let lines: string[];
  try {
    lines = readFileSync(logPath, 'utf8').trimEnd().split('\n');
  } catch {
    return 'its log cannot be read';
  }
  const said = [...lines].reverse().find((l) => l.startsWith('iris: ') || l.startsWith('iris controller: '));
  return (said ?? lines.at(-1) ?? 'no output').slice(0, 2_000);
}

async function probeHealth(url: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}
