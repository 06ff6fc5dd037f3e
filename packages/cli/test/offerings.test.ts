import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIris } from './run-iris.js';

describe('iris offerings', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iris-offerings-'));
    file = join(dir, 'cluster.yaml');
    await writeFile(
      file,
      [
        'name: offers',
        `controller: { provider: { type: local }, state_dir: ${join(dir, 'state')} }`,
        'scale_groups:',
        '  cpu: { provider: { type: local }, accelerator_type: cpu, resources: { cpu: 8, ram: 16GiB }, cost_per_hour: 0.4 }',
        '  lab: { provider: { type: manual, hosts: [10.0.0.1], ssh_user: ray }, accelerator_type: gpu, accelerator_variant: a100, resources: { cpu: 32, ram: 256GiB, gpu_count: 8 }, cost_per_hour: 2.5 }',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists what each provider can create and the groups it serves, as a table and as JSON', async () => {
    const env = { HOME: dir };
    const text = await runIris(['offerings', '-c', file], { env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/PROVIDER\s+TYPE\s+ACCELERATOR\s+ZONES\s+VCPU\s+MEMORY\s+ON-DEMAND\/H\s+PREEMPTIBLE\/H\s+AVAILABLE\s+GROUPS/);
    expect(text.stdout).toMatch(/manual\s+a100\s+gpu\s+-\s+32\s+256GiB\s+\$2\.50\s+-\s+as configured\s+lab/);
    const json = await runIris(['offerings', '-c', file, '--json'], { env });
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as { offerings: { provider: string; groups: string[]; pricePerHour?: number; vcpus?: number }[] };
    expect(report.offerings.map((o) => [o.provider, o.groups, o.pricePerHour, o.vcpus])).toEqual([
      ['local', ['cpu'], 0.4, 8],
      ['manual', ['lab'], 2.5, 32],
    ]);
  });
});
