import type { SliceInfo } from '@iris/core';
import type { TpuClient } from '../api/clients.js';

/** The last phase the worker startup script reports (docker/startup-script.sh). */
export const FINAL_BOOT_PHASE = 'registration';

/**
 * The `[iris-init] Phase:` each host of a TPU node last reported, read from the node's guest
 * attributes (`iris/phase`, which the startup script writes through the metadata server), so that
 * explain can say where a slice's boot is while its workers have not registered. Once every host
 * reached the last phase the answer cannot change: it is kept and the API is not asked again.
 */
export class BootPhases {
  private readonly settled = new Map<string, (string | undefined)[]>();

  constructor(private readonly tpu: () => TpuClient) {}

  /** The slice with `initPhase` on each VM whose host reported one. Never fails: phases are informational. */
  async annotate(slice: SliceInfo, nodeName: string): Promise<SliceInfo> {
    if (slice.vms.every((vm) => vm.state !== 'ready')) return slice;
    let phases = this.settled.get(nodeName);
    if (!phases) {
      phases = await this.read(nodeName);
      if (phases.length > 0 && phases.every((p) => p === FINAL_BOOT_PHASE)) this.settled.set(nodeName, phases);
    }
    const known = phases;
    return { ...slice, vms: slice.vms.map((vm, i) => (known[i] === undefined ? vm : { ...vm, initPhase: known[i] })) };
  }

  forget(nodeName: string): void {
    this.settled.delete(nodeName);
  }

  private async read(nodeName: string): Promise<(string | undefined)[]> {
    try {
      const [answer] = await this.tpu().getGuestAttributes({ name: nodeName, queryPath: 'iris/' });
      return (answer.guestAttributes ?? []).map((g) => g.queryValue?.items?.find((i) => i.key === 'phase')?.value ?? undefined);
    } catch {
      return [];
    }
  }
}
