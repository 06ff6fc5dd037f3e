import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

export interface ManualSliceRecord {
  sliceId: string;
  group: string;
  requestId: string;
  labels: Record<string, string>;
  createdAtMs: number;
  /** Set when termination began, so a crash mid-termination is finished by the next call. */
  stopping: boolean;
  vms: ManualVmRecord[];
}

/**
 * Slice records in `<root>/<sliceId>.json` under the controller's state_dir: the hosts a slice
 * holds stay held across a controller restart, and the restarted controller adopts them.
 */
export class ManualSliceRecords {
  constructor(readonly root: string) {}

  private file(sliceId: string): string {
    return join(this.root, `${sliceId}.json`);
  }

  read(sliceId: string): ManualSliceRecord | undefined {
    try {
      return JSON.parse(readFileSync(this.file(sliceId), 'utf8')) as ManualSliceRecord;
    } catch {
      return undefined;
    }
  }

  /** Atomic (temp file + rename): a crash never leaves half a record. */
  write(record: ManualSliceRecord): void {
    mkdirSync(this.root, { recursive: true });
    const tmp = `${this.file(record.sliceId)}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(record, null, 2));
    renameSync(tmp, this.file(record.sliceId));
  }

  list(): ManualSliceRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith('.json'))
      .map((n) => this.read(n.slice(0, -'.json'.length)))
      .filter((r): r is ManualSliceRecord => r !== undefined);
  }

  remove(sliceId: string): void {
    rmSync(this.file(sliceId), { force: true });
  }

  /** Host entries held by any slice (terminating ones included: their workers may still run). */
  heldHosts(): Set<string> {
    return new Set(this.list().flatMap((r) => r.vms.map((v) => v.host)));
  }
}
