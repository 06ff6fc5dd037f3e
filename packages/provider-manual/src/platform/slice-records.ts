import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SliceRecordStore, type SliceRecordBase } from '@iris/core/provider-kit';

/** One worker of a manual slice: which host it runs on and how far its bootstrap got. */
export interface ManualVmRecord {
  vmId: string;
  /** The host entry as written in the group's `hosts`. */
  host: string;
  /** The worker's directory on the host, once the host's home is known. */
  workerDir?: string;
  state: 'bootstrapping' | 'running' | 'failed';
  phase?: string;
  createdAtMs: number;
}

export interface ManualSliceRecord extends SliceRecordBase {
  vms: ManualVmRecord[];
}

/**
 * Slice records under the controller's state_dir, in the provider kit's store
 * (`<root>/<sliceId>/slice.json`): the hosts a slice holds stay held across a controller restart,
 * and the restarted controller adopts them. Records an earlier version wrote as `<root>/<sliceId>.json`
 * are moved into the store when first listed, so an upgraded controller still adopts their slices.
 */
export class ManualSliceRecords extends SliceRecordStore<ManualSliceRecord> {
  override read(sliceId: string): ManualSliceRecord | undefined {
    this.migrateLegacy();
    return super.read(sliceId);
  }

  override list(): ManualSliceRecord[] {
    this.migrateLegacy();
    return super.list();
  }

  /** Host entries held by any slice (terminating ones included: their workers may still run). */
  heldHosts(): Set<string> {
    return new Set(this.list().flatMap((r) => r.vms.map((v) => v.host)));
  }

  private migrateLegacy(): void {
    let names: string[];
    try {
      names = readdirSync(this.root).filter((n) => n.endsWith('.json'));
    } catch {
      return;
    }
    for (const name of names) {
      const file = join(this.root, name);
      try {
        const record = JSON.parse(readFileSync(file, 'utf8')) as ManualSliceRecord;
        if (super.read(record.sliceId) === undefined) this.write(record);
      } catch {
        /* half-written by a crash of the old version: nothing to adopt */
      }
      rmSync(file, { force: true });
    }
  }
}
