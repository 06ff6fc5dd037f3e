import { randomBytes } from 'node:crypto';
import type { Platform, ScaleGroupConfig, VmBootstrapSpec } from '@iris/core';
import { testWorkerLaunch } from './fixtures.js';
import { StandInController } from './stand-in-controller.js';

/** How the join check runs a backend's VMs for real. */
export interface JoinCheckBackend {
  /**
   * A platform whose VMs really run `iris worker` on this machine (e.g. its deps' `irisCommand` set
   * to the real `iris` program, or an emulator that runs the startup script here).
   */
  joinPlatform(): Platform | Promise<Platform>;
  group: ScaleGroupConfig;
  bootstrap: VmBootstrapSpec;
  /** How long every VM's worker gets to register (default 60 s: generous, CI machines are slow). */
  joinDeadlineMs?: number;
}

export const DEFAULT_JOIN_DEADLINE_MS = 60_000;
const CONTRACT = 'see "The join contract" in docs/writing-a-provider.md of @iris/core’s repository';

/**
 * The join contract, checked for real: a stand-in controller, a slice created with a real launch
 * pointing at it, and a worker from every VM that must register under that VM's id, with the
 * slice's join token, within the deadline. Throws an Error saying which rule broke.
 */
export async function checkWorkersJoin(backend: JoinCheckBackend, requestId: string): Promise<void> {
  const controller = new StandInController();
  await controller.start();
  const platform = await backend.joinPlatform();
  const manager = platform.vmManager(backend.group);
  const launch = testWorkerLaunch({ controllerUrl: controller.url, joinToken: `ij_conformance-${randomBytes(8).toString('hex')}` });
  const deadlineMs = backend.joinDeadlineMs ?? DEFAULT_JOIN_DEADLINE_MS;
  try {
    const slice = await manager.createSlice({ requestId, labels: {}, bootstrap: backend.bootstrap, launch });
    const ids = slice.vms.map((v) => v.vmId);
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const stranger = controller.registrations.find((r) => !ids.includes(r.workerId));
      if (stranger) {
        throw new Error(
          `a worker registered under the wrong id: "${stranger.workerId}" is no VM of the slice (its VM ids: ${ids.join(', ')}). ` +
            `Start each VM's worker with workerJoinCommand(request.launch, vm.vmId) so it registers under the id VmInfo.vmId reports; ${CONTRACT}`,
        );
      }
      const registered = new Set(controller.registrations.map((r) => r.workerId));
      const missing = ids.filter((id) => !registered.has(id));
      if (missing.length === 0) break;
      if (Date.now() > deadline) {
        throw new Error(
          `VM(s) ${missing.join(', ')} never registered with the controller within ${Math.round(deadlineMs / 1000)} s: each VM must run ` +
            `\`iris worker\` with the argv and environment of workerJoinCommand(request.launch, vm.vmId) (IRIS_CONTROLLER, IRIS_JOIN_TOKEN, IRIS_VM_ADDRESS); ${CONTRACT}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const r of controller.registrations) {
      if (r.credential !== launch.joinToken) {
        throw new Error(
          `worker ${r.workerId} registered without the slice's join token: pass IRIS_JOIN_TOKEN from workerJoinCommand in its environment; ${CONTRACT}`,
        );
      }
    }
  } finally {
    for (const s of await manager.listSlices().catch(() => [])) await manager.terminateSlice(s.sliceId).catch(() => undefined);
    await platform.close?.();
    await controller.stop();
  }
}
