import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AttemptReport } from '@iris/core/api';
import { readExitFile, stopMarkerOf } from '../runtime/process-runtime.js';

/**
 * Durable attempt ends: the supervisor writes `<dir>/<task>.<attempt>.exit` the moment a task ends,
 * and the worker removes it once the controller has the report. A worker killed in between finds
 * the file when it restarts and reports the end then, instead of the controller losing the attempt
 * and running the task a second time.
 */
export class AttemptEnds {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  fileOf(taskId: string, attempt: number): string {
    return join(this.dir, `${encodeURIComponent(taskId)}.${attempt}.exit`);
  }

  /** Ends recorded by a previous life of this worker that never reached the controller. */
  recover(): Array<{ report: AttemptReport; file: string }> {
    const out: Array<{ report: AttemptReport; file: string }> = [];
    const names = readdirSync(this.dir);
    for (const name of names) {
      const file = join(this.dir, name);
      if (name.endsWith('.exit.stop')) {
        // Kept beside its end (the supervisor's reporter reads it); alone, it is left over.
        if (!names.includes(name.slice(0, -'.stop'.length))) rmSync(file, { force: true });
        continue;
      }
      const m = /^(.+)\.(\d+)\.exit$/.exec(name);
      if (!m) {
        rmSync(file, { force: true }); // a half-written .tmp
        continue;
      }
      const exit = readExitFile(file);
      if (!exit) {
        rmSync(file, { force: true });
        continue;
      }
      const report: AttemptReport = { task_id: decodeURIComponent(m[1]!), attempt: Number(m[2]), state: 'SUCCEEDED' };
      if (exit.code === 0 && !exit.signal) report.exit_code = 0;
      else {
        // Ended by a signal (the worker stopping or dying, the fence, a lease): which of those the
        // supervisor cannot tell, so it counts as worker loss, never against the task's failures.
        const lost = exit.lifeline_lost === true || exit.lease_expired === true || !!exit.signal;
        report.state = lost ? 'WORKER_FAILED' : 'FAILED';
        if (exit.code !== null) report.exit_code = exit.code;
        if (exit.signal) report.signal = exit.signal;
        report.error = exit.lifeline_lost ? 'the worker died while the attempt ran' : exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
      }
      out.push({ report, file });
    }
    return out;
  }

  remove(taskId: string, attempt: number): void {
    const file = this.fileOf(taskId, attempt);
    rmSync(file, { force: true });
    rmSync(stopMarkerOf(file), { force: true });
  }
}
