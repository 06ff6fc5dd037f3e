import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type LoadedCluster } from '@iris/core/config';
import { IrisClient } from '@iris/core/api';
import { DEFAULT_CONTROLLER_LIMITS, startClusterController, type ClusterControllerHandle } from '../../src/index.js';
import { loadFakeCluster } from '../fake-cluster-file.js';
import { WORKER } from '../support/controller-fixture.js';

const CLUSTER = `name: unit
controller:
  provider: { type: fake }
  worker_timeout: 45s
  max_wait: 3s
  limits: { max_actions: 123 }
scale_groups:
  cpu:
    provider: { type: fake }
    resources: { cpu: 4, ram: 8GB }
`;

describe('controller limits come from DEFAULT_CONFIG and the cluster file', () => {
  it('DEFAULT_CONTROLLER_LIMITS is what DEFAULT_CONFIG.controller says', () => {
    const c = DEFAULT_CONFIG.controller;
    expect(DEFAULT_CONTROLLER_LIMITS).toEqual({
      workerTimeoutMs: c.worker_timeout,
      maxWaitMs: c.max_wait,
      tickMs: c.tick,
      loginCodeTtlMs: c.login_code_ttl,
      sessionTtlMs: c.session_ttl,
      maxStartsPerWorkerPerPass: c.limits.max_starts_per_worker_per_pass,
      maxStartingPerWorker: c.limits.max_starting_per_worker,
      maxLogLinesPerAttempt: c.limits.max_log_lines_per_attempt,
      maxActions: c.limits.max_actions,
      maxBodyBytes: c.limits.max_body_bytes,
      maxBundleBytes: c.limits.max_bundle_bytes,
      maxOutputBytes: c.limits.max_output_bytes,
      maxJsonEntries: c.limits.max_json_entries,
      maxJsonDepth: c.limits.max_json_depth,
      maxCommandBytes: c.limits.max_command_bytes,
      maxArgBytes: c.limits.max_arg_bytes,
      maxEnvBytes: c.limits.max_env_bytes,
    });
    // The figures the controller always had.
    expect(DEFAULT_CONTROLLER_LIMITS).toMatchObject({ workerTimeoutMs: 60_000, maxWaitMs: 10_000, tickMs: 1_000, maxActions: 10_000 });
  });

  let stateDir: string;
  let cluster: LoadedCluster;
  let running: ClusterControllerHandle[];

  beforeEach(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'iris-ctl-limits-'));
    running = [];
    ({ cluster } = await loadFakeCluster(CLUSTER, stateDir, { clusterName: 'unit' }));
  });

  afterEach(async () => {
    for (const h of running) await h.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("the running controller uses the cluster file's worker_timeout and max_wait", async () => {
    expect(cluster.config.controller.limits?.max_actions).toBe(123);
    const handle = await startClusterController({ stateDir, port: 0, config: cluster.config, registry: cluster.registry });
    running.push(handle);
    const reply = await new IrisClient({ baseUrl: handle.url, token: handle.token }).registerWorker({ worker_id: 'w1', ...WORKER });
    expect(reply).toMatchObject({ worker_timeout_ms: 45_000, reconcile_wait_ms: 3_000 });
  });

  it('explicit limits (the CLI flags) win over the file', async () => {
    const handle = await startClusterController({ stateDir, port: 0, config: cluster.config, registry: cluster.registry, limits: { workerTimeoutMs: 7_000 } });
    running.push(handle);
    const reply = await new IrisClient({ baseUrl: handle.url, token: handle.token }).registerWorker({ worker_id: 'w1', ...WORKER });
    expect(reply).toMatchObject({ worker_timeout_ms: 7_000, reconcile_wait_ms: 3_000 });
  });
});
