import { testWorkerLaunch } from '@iris/provider-testkit';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GcpPlatform } from '../src/platform/gcp-platform.js';
import type { GcpEmulator } from './emulator/gcp-emulator.js';
import { TpuVmPlayer } from './emulator/tpu-vm-player.js';
import { emulatedPlatform, platformDeps, startEmulator, tpuGroup } from './platform-fixture.js';

/**
 * The handoff from the platform to a TPU VM, without a controller: the node's startup script runs
 * on every host and starts the "container" with what the platform put on the node. The stand-in
 * entrypoint writes its argv and environment to a file and then waits, like a worker would.
 */
describe('a node created by the platform boots its hosts from its own startup script', () => {
  let dir: string;
  let emulator: GcpEmulator;
  let platform: GcpPlatform;
  let player: TpuVmPlayer;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iris-gcp-player-'));
    const entrypoint = join(dir, 'entrypoint.sh');
    writeFileSync(
      entrypoint,
      '#!/bin/sh\n{ printf "%s\\n" "$@"; echo ---; env | sort; } > "$HOME/seen.part"\nmv "$HOME/seen.part" "$HOME/seen"\nexec sleep 600\n',
    );
    chmodSync(entrypoint, 0o755);
    let endpoint: string;
    ({ emulator, endpoint } = await startEmulator());
    emulator.tpu.operationPolls = 0;
    player = new TpuVmPlayer({ rootDir: join(dir, 'vms'), entrypoint: [entrypoint] });
    await player.attach(emulator.tpu);
    const deps = platformDeps();
    platform = emulatedPlatform(endpoint, { ...deps, bootstrap: { ...deps.bootstrap, cache_dir: join(dir, 'cache') } });
  });

  afterEach(async () => {
    await platform.close();
    await player.close();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const seen = (vmId: string): { argv: string[]; env: Record<string, string> } => {
    const [argv, env] = readFileSync(join(dir, 'vms', vmId, 'seen'), 'utf8').split('---\n');
    return {
      argv: argv!.trim().split('\n'),
      env: Object.fromEntries(
        env!
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      ),
    };
  };

  it('gives each host its worker id, the controller address, the token and the TPU attributes; preemption kills the hosts', async () => {
    const slice = await platform.vmManager(tpuGroup('tpu_v5e_16')).createSlice({
      requestId: 'req-1',
      labels: {},
      bootstrap: {
        role: 'worker',
        labels: {},
        providerOverrides: {},
        container: { image: 'europe-docker.pkg.dev/p/iris/iris-worker:1', entrypoint: [], ports: {}, env: {} },
      },
      launch: testWorkerLaunch({ controllerUrl: 'http://10.0.0.9:10000', joinToken: 'ij_tok-123' }),
    });
    expect(await player.startupExits(slice.sliceId)).toEqual([0, 0, 0, 0]);
    for (const [i, vm] of slice.vms.entries()) {
      for (let tries = 0; !existsSync(join(dir, 'vms', vm.vmId, 'seen')) && tries < 200; tries++) await new Promise((r) => setTimeout(r, 50));
      const { argv, env } = seen(vm.vmId);
      expect(argv).toEqual(['worker', '--controller', 'http://10.0.0.9:10000', '--worker-id', vm.vmId, '--work-dir', join(dir, 'vms', vm.vmId, 'work')]);
      expect(env).toMatchObject({
        IRIS_CONTROLLER: 'http://10.0.0.9:10000',
        IRIS_JOIN_TOKEN: 'ij_tok-123',
        IRIS_VM_ADDRESS: vm.address,
        IRIS_PREEMPTIBLE: 'true',
        TPU_NAME: slice.sliceId,
        TPU_WORKER_ID: String(i),
        TPU_ACCELERATOR_TYPE: 'v5litepod-16',
        TPU_TOPOLOGY: '4x4',
        TPU_WORKER_HOSTNAMES: slice.vms.map((v) => v.address).join(','),
        IRIS_WORKER_ATTRIBUTES: `tpu-name=${slice.sliceId},tpu-worker-id=${i},tpu-topology=4x4,preemptible=true,iris-group=tpu_v5e_16,iris-slice=${slice.sliceId}`,
      });
    }
    expect(player.liveWorkers().sort()).toEqual(slice.vms.map((v) => v.vmId).sort());

    emulator.tpu.preempt(slice.sliceId);
    for (let tries = 0; player.liveWorkers().length > 0 && tries < 200; tries++) await new Promise((r) => setTimeout(r, 50));
    expect(player.liveWorkers()).toEqual([]);
  });
});
