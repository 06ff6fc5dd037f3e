import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runIris } from './run-iris.js';

const env = { IRIS_CONTROLLER_ADDRESS: '10.0.0.10:10000' };

describe('iris simulate', () => {
  it("replays the example scenario against the mixed file's groups: quota, preemption, every job served", async () => {
    const args = ['simulate', '-c', 'examples/mixed.yaml', '--scenario', 'examples/scenarios/mixed-tpu-quota.yaml'];
    const run = await runIris([...args, '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      timeline: { type: string; group?: string }[];
      summary: { jobs: { id: string; state: string }[]; vmHoursByGroup: Record<string, number>; vmsLeftAtEnd: number };
      violations: string[];
    };
    expect(result.violations).toEqual([]);
    expect(result.summary.jobs.map((j) => [j.id, j.state])).toEqual([
      ['train-a', 'finished'],
      ['train-b', 'finished'],
      ['eval-gpu', 'finished'],
      ['preprocess', 'finished'],
      ['train-c', 'finished'],
    ]);
    const types = result.timeline.map((e) => e.type);
    expect(types).toContain('quota_exceeded');
    expect(types).toContain('failed_cleanup');
    expect(result.summary.vmHoursByGroup['tpu_v4_8']).toBeGreaterThan(0);
    // Seeded: the same run twice gives the same answer.
    const again = await runIris([...args, '--json'], { env });
    expect(again.stdout).toBe(run.stdout);
    // The human form has the timeline, the job table and the per-group VM-hours.
    const text = await runIris(args, { env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/timeline:\n/);
    expect(text.stdout).toMatch(/JOB\s+SUBMITTED\s+STATE\s+TIME TO SATISFY/);
    expect(text.stdout).toMatch(/tpu_v4_8\s+\d+\s+\d+\.\d\d/);
  });

  it('refuses an invalid scenario with every problem and its path (exit 1)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iris-sim-'));
    try {
      const file = join(dir, 'bad.yaml');
      await writeFile(file, 'name: bad\nduration: soon\njobs:\n  - { tasks: 0, accelerator_type: fpga }\nfaults:\n  - { kind: meteor }\n');
      const run = await runIris(['simulate', '-c', 'examples/local.yaml', '--scenario', file]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('.duration');
      expect(run.stderr).toContain('.jobs[0].tasks');
      expect(run.stderr).toContain('.jobs[0].accelerator_type');
      expect(run.stderr).toContain('.faults[0].kind');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('needs both -c and --scenario (exit 2)', async () => {
    expect((await runIris(['simulate', '-c', 'examples/local.yaml'])).code).toBe(2);
  });
});
