import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPlatformDeps, testScaleGroup, testWorkerBootstrap, testWorkerLaunch } from '@iris/provider-testkit';
import type { ManualProviderConfig } from '../src/config-types.js';
import { ManualPlatform } from '../src/platform/manual-platform.js';
import { SshConnection } from '../src/ssh/ssh-connection.js';
import { SshdHarness, killProcessesMentioning } from './sshd-harness.js';

// A hardened host: sshd without an SFTP subsystem. The program must still arrive (streamed over
// an exec channel and checked by sha256), and so must a cluster file for a controller there.
const HOST = '127.0.0.5';
const sshd = new SshdHarness();
const program = { packageDir: fileURLToPath(new URL('./fixtures/fake-iris', import.meta.url)), entry: 'bin/iris.js' };
let stateDir: string;
let workerDir: string;

beforeAll(async () => {
  await sshd.start([HOST], { withoutSftp: [HOST] });
  stateDir = mkdtempSync(join(tmpdir(), 'iris-nosftp-state-'));
  workerDir = mkdtempSync(join(tmpdir(), 'iris-nosftp-hosts-'));
});

afterAll(async () => {
  await killProcessesMentioning(workerDir);
  await sshd.stop();
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(workerDir, { recursive: true, force: true });
});

function platform(): ManualPlatform {
  const config: ManualProviderConfig = {
    type: 'manual',
    hosts: [`${HOST}:${sshd.host(HOST).port}`],
    ssh_user: 'root',
    ssh_key_file: sshd.clientKey,
    host_key_fingerprints: {},
    known_hosts_file: sshd.knownHosts,
    insecure_skip_host_key_check: false,
    worker_dir: workerDir,
    keep_logs: false,
  };
  const deps = testPlatformDeps(stateDir, {
    timeouts: { boot: 120_000, init: 120_000, ssh_poll_interval: 200 },
    ssh: { user: 'root', port: 22, connect_timeout: 60_000 },
  });
  return new ManualPlatform(config as never, deps, { program, programCache: join(stateDir, 'programs'), settleSeconds: 0.3, stopGraceSeconds: 2 });
}

describe('a host whose sshd has no SFTP subsystem', () => {
  it('really refuses SFTP', async () => {
    const conn = await SshConnection.open(
      { host: HOST, port: sshd.host(HOST).port, user: 'root', keyFile: sshd.clientKey, hostKey: { kind: 'known_hosts', file: sshd.knownHosts } },
      { connectTimeoutMs: 60_000, logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } },
    );
    try {
      await expect(conn.upload(program.packageDir + '/package.json', join(workerDir, 'x'))).rejects.toThrow(/subsystem/i);
    } finally {
      conn.close();
    }
  });

  it('gets the program over an exec channel and runs a worker', async () => {
    const p = platform();
    try {
      const manager = p.vmManager(testScaleGroup('lab', 'manual'));
      const slice = await manager.createSlice({ requestId: 'no-sftp', labels: {}, bootstrap: testWorkerBootstrap(), launch: testWorkerLaunch() });
      await p.settled();
      expect(p.hostReports()).toEqual([]);
      const [listed] = await manager.listSlices();
      expect(listed?.state).toBe('ready');
      const vmId = slice.vms[0]!.vmId;
      expect(existsSync(join(workerDir, vmId, 'pid'))).toBe(true);
      // One program version, complete, and no upload leftovers beside it.
      const programs = join(workerDir, 'programs');
      const { readdirSync } = await import('node:fs');
      const entries = readdirSync(programs);
      expect(entries.filter((e) => e.endsWith('.part'))).toEqual([]);
      expect(entries.filter((e) => existsSync(join(programs, e, '.iris-complete')))).toHaveLength(1);
      await manager.terminateSlice(slice.sliceId);
    } finally {
      await p.close();
    }
  });

  it('starts a controller there, cluster file included', async () => {
    const clusterFile = join(stateDir, 'cluster.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(clusterFile, 'name: no-sftp\n');
    const p = new ManualPlatform(
      {
        type: 'manual',
        host: `${HOST}:${sshd.host(HOST).port}`,
        port: 10000,
        ssh_user: 'root',
        ssh_key_file: sshd.clientKey,
        known_hosts_file: sshd.knownHosts,
        insecure_skip_host_key_check: false,
      } as never,
      testPlatformDeps(stateDir, {
        timeouts: { boot: 120_000, init: 120_000, ssh_poll_interval: 200 },
        ssh: { user: 'root', port: 22, connect_timeout: 60_000 },
        clusterFile,
      }),
      { program, programCache: join(stateDir, 'programs'), settleSeconds: 0.3, stopGraceSeconds: 2 },
    );
    const controllerState = join(workerDir, 'controller');
    try {
      const host = p.controllerHost({
        provider: {
          type: 'manual',
          host: `${HOST}:${sshd.host(HOST).port}`,
          port: 10000,
          ssh_user: 'root',
          ssh_key_file: sshd.clientKey,
          known_hosts_file: sshd.knownHosts,
          insecure_skip_host_key_check: false,
        },
        state_dir: controllerState,
        worker_timeout: 60_000,
      } as never);
      const started = await host.start();
      expect(started.running).toBe(true);
      expect(readFileSync(join(controllerState, 'cluster.yaml'), 'utf8')).toBe('name: no-sftp\n');
      await host.stop();
    } finally {
      await p.close();
    }
  });
});
