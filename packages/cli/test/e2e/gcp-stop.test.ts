import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterLabels, LABEL_GROUP } from '@iris/core';
import type { GcpEmulator } from '../../../provider-gcp/test/emulator/gcp-emulator.js';
import { runIris } from '../run-iris.js';
import { gcpProvider, localControllerCluster, PROJECT, startGcpEmulator, tpuGroup } from './gcp-harness.js';

const ZONE = 'europe-west4-b';

describe('iris stop and iris status against a gcp cluster whose controller is down', () => {
  let dir: string;
  let file: string;
  let emulator: GcpEmulator;
  const cluster = `gcp-stop-${process.pid}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iris-gcp-stop-'));
    file = join(dir, 'cluster.yaml');
    let endpoint: string;
    ({ emulator, endpoint } = await startGcpEmulator());
    writeFileSync(
      file,
      localControllerCluster({
        name: cluster,
        port: 0,
        stateDir: join(dir, 'state'),
        groups: `  pod:${tpuGroup({ provider: gcpProvider(endpoint, [ZONE]), variant: 'v5litepod-4', hosts: 1, maxSlices: 2 })}\n`,
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a controller whose first listings fail, and returns only once its autoscaler answers', async () => {
    const lists = (): number => emulator.requests.filter((r) => r.startsWith('GET') && r.endsWith('/nodes')).length;
    emulator.faults.add({ at: 'list', kind: 'internal', times: 2 });
    const start = await runIris(['start', '-c', file, '--detach'], { cwd: dir, env: { HOME: dir } });
    expect(start.code, start.stderr).toBe(0);
    expect(lists()).toBeGreaterThanOrEqual(3);
    const explain = await runIris(['autoscaler', 'explain', '-c', file], { cwd: dir, env: { HOME: dir } });
    expect(explain.code, explain.stderr).toBe(0);
    expect(explain.stdout).toContain('group pod: 0 slice(s)');
    const stop = await runIris(['stop', '-c', file], { cwd: dir, env: { HOME: dir } });
    expect(stop.code, `${stop.stdout}\n${stop.stderr}`).toBe(0);
    expect(stop.stdout).toContain('controller: stopped');
  }, 120_000);

  it('exits 1 from iris status when the controller is not running', async () => {
    const status = await runIris(['status', '-c', file], { cwd: dir, env: { HOME: dir } });
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`cluster ${cluster}: controller not running`);
  });

  it('says what was terminated and what remains, with the command to finish, and exits 1 only while something remains', async () => {
    // A slice left behind by a controller that died: found by its labels.
    const parent = `projects/${PROJECT}/locations/${ZONE}`;
    for (const nodeId of ['left-a', 'left-b']) {
      const op = emulator.tpu.createNode(parent, nodeId, { acceleratorType: 'v5litepod-4', labels: clusterLabels(cluster, { [LABEL_GROUP]: 'pod' }) });
      emulator.tpu.getOperation(String(op.name));
    }
    emulator.faults.add({ at: 'delete', kind: 'permission_denied', times: 1 });

    const first = await runIris(['stop', '-c', file], { cwd: dir, env: { HOME: dir } });
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toContain(`cluster "${cluster}" NOT fully stopped`);
    expect(first.stdout).toContain('  controller: was not running');
    expect(first.stdout).toMatch(/terminated: 1 slice\(s\) swept: pod\/left-[ab]/);
    expect(first.stdout).toMatch(/remains .*:\n {4}pod\/left-[ab] \(europe-west4-b\): gcp: delete TPU node left-[ab] failed: .*Permission/);
    expect(first.stdout).toMatch(new RegExp(`to do it by hand: gcloud compute tpus tpu-vm delete left-[ab] --zone ${ZONE} --project ${PROJECT} --quiet`));
    expect(first.stdout).toContain(`to finish: iris stop -c ${file} again`);
    expect(emulator.tpu.nodes.size).toBe(1);

    const second = await runIris(['stop', '-c', file], { cwd: dir, env: { HOME: dir } });
    expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(0);
    expect(second.stdout).toMatch(
      new RegExp(`cluster "${cluster}" stopped\\n  controller: was not running\\n  terminated: 1 slice\\(s\\) swept: pod/left-[ab]\\n$`),
    );
    expect(emulator.tpu.nodes.size).toBe(0);
  });
});
