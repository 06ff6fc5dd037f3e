import { formatElapsed } from '@iris/core';
import type { ChildProcess } from 'node:child_process';
import type { Clock, TimerHandle } from '@iris/core';
import { LineSplitter } from './line-splitter.js';
import type { AttemptExit, LogSink, RunningAttempt } from './types.js';

/** How to end and clean up one supervised child; the process and docker runtimes differ only here. */
export interface SupervisedChildOptions {
  child: ChildProcess;
  ports: Readonly<Record<string, number>>;
  sink: LogSink;
  clock: Clock;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs: number;
  timeoutMs: number | undefined;
  /** Delivers a signal to the attempt (its process group, or its container). */
  signal(signal: NodeJS.Signals): void;
  /** Runs once, before the first signal of a kill or timeout (the worker stops the attempt itself). */
  onStop?(): void;
  /** Runs once the child has exited, before output is flushed. */
  afterExit?(signal: (signal: NodeJS.Signals) => void): void;
  /** Maps the child's exit status when it is not the attempt's own (the docker CLI's). */
  mapExit?(code: number | null, signal: NodeJS.Signals | null): { code: number | null; signal: NodeJS.Signals | null };
}

/**
 * One running attempt: streams its output as lines, enforces its timeout, and stops it with
 * SIGTERM then SIGKILL after a grace.
 */
export class SupervisedChild implements RunningAttempt {
  readonly exited: Promise<AttemptExit>;
  readonly ports: Readonly<Record<string, number>>;
  private stopReason: { kind: 'timeout' | 'kill'; reason: string } | undefined;
  private killTimer: TimerHandle | undefined;
  private timeoutTimer: TimerHandle | undefined;
  private lastStderr = '';
  private done = false;

  constructor(private readonly options: SupervisedChildOptions) {
    const { child, sink, clock, timeoutMs } = options;
    this.ports = options.ports;
    const out = new LineSplitter((line) => sink('stdout', line));
    const err = new LineSplitter((line) => {
      this.lastStderr = line;
      sink('stderr', line);
    });
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));

    if (timeoutMs !== undefined && timeoutMs > 0) {
      this.timeoutTimer = clock.setTimeout(() => this.terminate('timeout', `Timeout exceeded (${formatElapsed(timeoutMs)})`), timeoutMs);
    }

    this.exited = new Promise((resolve) => {
      const onExit = (rawCode: number | null, rawSignal: NodeJS.Signals | null): void => {
        this.done = true;
        this.timeoutTimer?.cancel();
        this.killTimer?.cancel();
        options.afterExit?.((sig) => options.signal(sig));
        // Wait for the pipes to drain so the last lines are not lost; a descendant that escaped
        // the group could hold them open forever, hence the bound.
        const bound = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
        }, 2_000);
        child.once('close', () => {
          clearTimeout(bound);
          out.end();
          err.end();
          // Mapped once every pipe is drained: a supervisor's last message arrives on one of them.
          const { code, signal } = options.mapExit ? options.mapExit(rawCode, rawSignal) : { code: rawCode, signal: rawSignal };
          resolve(this.describeExit(code, signal));
        });
      };
      // A task that ended at once may have exited before this object was made (its start is read
      // from a pipe that can lag the exit): handle that exit now instead of waiting forever.
      if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
      else child.once('exit', onExit);
    });
  }

  kill(reason: string, options: { immediate?: boolean } = {}): Promise<AttemptExit> {
    this.terminate('kill', reason, options.immediate === true);
    return this.exited;
  }

  private terminate(kind: 'timeout' | 'kill', reason: string, immediate = false): void {
    if (this.done) return;
    if (!this.stopReason) this.options.onStop?.();
    if (immediate) {
      this.stopReason ??= { kind, reason };
      this.killTimer?.cancel();
      this.options.signal('SIGKILL');
      return;
    }
    if (this.stopReason) return;
    this.stopReason = { kind, reason };
    this.options.signal('SIGTERM');
    this.killTimer = this.options.clock.setTimeout(() => this.options.signal('SIGKILL'), this.options.killGraceMs);
  }

  private describeExit(code: number | null, signal: NodeJS.Signals | null): AttemptExit {
    const exit: AttemptExit = {
      exitCode: code ?? undefined,
      signal: signal ?? undefined,
      timedOut: this.stopReason?.kind === 'timeout',
      killed: this.stopReason?.kind === 'kill',
      error: undefined,
    };
    if (this.stopReason) exit.error = this.stopReason.reason;
    else if (signal) exit.error = `killed by ${signal}${signal === 'SIGKILL' ? ' (possibly out of memory)' : ''}`;
    else if (code !== 0) exit.error = `exit code ${code}${this.lastStderr ? `: ${this.lastStderr}` : ''}`;
    return exit;
  }
}
