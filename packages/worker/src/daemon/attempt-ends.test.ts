import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AttemptEnds } from './attempt-ends.js';

describe('AttemptEnds', () => {
  it('recovers recorded ends: exit 0 succeeded, a non-zero code failed, a signal or a lost worker is worker loss', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iris-ends-'));
    const ends = new AttemptEnds(dir);
    const write = (task: string, attempt: number, exit: unknown) => writeFileSync(ends.fileOf(task, attempt), JSON.stringify(exit));
    write('/a/0', 0, { code: 0, signal: null, lifeline_lost: false });
    write('/b/0', 1, { code: 3, signal: null, lifeline_lost: false });
    write('/c/0', 0, { code: null, signal: 'SIGTERM', lifeline_lost: false });
    write('/d/0', 2, { code: null, signal: 'SIGKILL', lifeline_lost: true });
    writeFileSync(join(dir, 'half.exit.tmp'), '{');
    const byTask = Object.fromEntries(ends.recover().map(({ report }) => [report.task_id, report]));
    expect(byTask['/a/0']).toMatchObject({ attempt: 0, state: 'SUCCEEDED', exit_code: 0 });
    expect(byTask['/b/0']).toMatchObject({ attempt: 1, state: 'FAILED', exit_code: 3 });
    expect(byTask['/c/0']).toMatchObject({ state: 'WORKER_FAILED', signal: 'SIGTERM' });
    expect(byTask['/d/0']).toMatchObject({ attempt: 2, state: 'WORKER_FAILED', error: 'the worker died while the attempt ran' });
    ends.remove('/a/0', 0);
    expect(readdirSync(dir).sort()).toHaveLength(3);
  });
});
