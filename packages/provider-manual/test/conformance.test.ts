import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScaleGroupConfig } from '@iris/core';
import { runProviderConformance, testPlatformDeps } from '@iris/provider-testkit';
import manualProvider, { MANUAL_STATE_MAP, ManualPlatform, mapManualState, type ManualProviderConfig } from '../src/index.js';
import { SshdHarness, killProcessesMentioning } from './sshd-harness.js';

// Real OpenSSH servers on loopback addresses, each a "host"; the worker is a stand-in iris program.
const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const program = { packageDir: fileURLToPath(new URL('./fixtures/fake-iris', import.meta.url)), entry: 'bin/iris.js' };
const realProgram = { packageDir: fileURLToPath(new URL('../../cli', import.meta.url)), entry: 'bin/iris.js' };

function group(sliceSize: number): ScaleGroupConfig {
  return {
    name: 'lab',
    provider: { type: 'manual' },
    accelerator_type: 'gpu',
    accelerator_variant: 'a100',
    slice_size: sliceSize,
    resources: { cpu: 8, ram: 16e9, disk: 0, gpu_count: 1, tpu_count: 0 },
    preemptible: false,
    min_slices: 0,
    max_slices: 3,
    priority: 100,
    attributes: {},
  };
}

runProviderConformance({
  plugin: manualProvider,
  sampleConfig: { type: 'manual', hosts: ['10.0.0.1', '10.0.0.2:2222'], ssh_user: 'ray' },
  sampleControllerConfig: { type: 'manual', host: '10.0.0.1' },
  stateTable: MANUAL_STATE_MAP,
  mapState: mapManualState,
  timeoutMs: 180_000,
  joinDeadlineMs: 120_000,
  backend: async () => {
    const sshd = new SshdHarness();
    await sshd.start(HOSTS);
    const stateDir = mkdtempSync(join(tmpdir(), 'iris-manual-conformance-state-'));
    const workerDir = mkdtempSync(join(tmpdir(), 'iris-manual-conformance-hosts-'));
    const config: ManualProviderConfig = {
      type: 'manual',
      hosts: HOSTS.map((h) => `${h}:${sshd.host(h).port}`),
      ssh_user: 'root',
      ssh_key_file: sshd.clientKey,
      host_key_fingerprints: {},
      known_hosts_file: sshd.knownHosts,
      insecure_skip_host_key_check: false,
      worker_dir: workerDir,
      keep_logs: false,
    };
    const deps = testPlatformDeps(stateDir, {
      // Wide budgets: CI runs many projects at once on two cores.
      timeouts: { boot: 120_000, init: 120_000, ssh_poll_interval: 200 },
      ssh: { user: 'root', port: 22, connect_timeout: 60_000 },
    });

    return {
      createPlatform: () =>
        new ManualPlatform(config as never, deps, { program, programCache: join(stateDir, 'programs'), settleSeconds: 0.3, stopGraceSeconds: 2 }),
      // The join check ships the real `iris` program (built before the tests run) to the hosts.
      joinPlatform: () =>
        new ManualPlatform(config as never, deps, {
          program: realProgram,
          programCache: join(stateDir, 'real-programs'),
          settleSeconds: 1,
          stopGraceSeconds: 2,
        }),
      group: group(2),
      bootstrap: {
        role: 'worker',
        labels: {},
        providerOverrides: {},
        container: { image: '', entrypoint: [], ports: {}, env: { IRIS_CONTROLLER: 'http://127.0.0.1:1', IRIS_TOKEN: 'conformance' } },
      },
      // Three hosts cannot make a slice of four: the provider reports a stockout, as a cloud would.
      refuseCreate: () => ({ group: group(4), kinds: ['capacity'] }),
      cleanup: async () => {
        // Workers outlive their SSH sessions by design: reap whatever the checks left running.
        await killProcessesMentioning(workerDir);
        await sshd.stop();
        rmSync(stateDir, { recursive: true, force: true });
        rmSync(workerDir, { recursive: true, force: true });
      },
    };
  },
});
