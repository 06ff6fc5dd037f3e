import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One worker process of a local slice, as recorded on disk so a restarted controller adopts it. */
export interface LocalVmRecord {
  vmId: string;
  pid: number;
  dir: string;
  createdAtMs: number;
}

export interface LocalSliceRecord {
  sliceId: string;
  group: string;
  requestId: string;
  labels: Record<string, string>;
  createdAtMs: number;
  /** Set when termination began; a slice half-terminated by a crash is finished on the next call. */
  stopping: boolean;
  vms: LocalVmRecord[];
}

const RECORD_FILE = 'slice.json';

/**
 * Slice records live in `<root>/<sliceId>/slice.json`; each worker's own files under
 * `<root>/<sliceId>/<vmId>/`, so two workers never share a directory.
 */
export class SliceRecords {
  constructor(readonly root: string) {}

  sliceDir(sliceId: string): string {
    return join(this.root, sliceId);
  }

  read(sliceId: string): LocalSliceRecord | undefined {
    try {
      return JSON.parse(readFileSync(join(this.sliceDir(sliceId), RECORD_FILE), 'utf8')) as LocalSliceRecord;
    } catch {
      return undefined;
    }
  }

  /** Written atomically (temp file + rename) so a crash never leaves half a record. */
  write(record: LocalSliceRecord): void {
    const dir = this.sliceDir(record.sliceId);
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `${RECORD_FILE}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(record, null, 2));
    renameSync(tmp, join(dir, RECORD_FILE));
  }

  list(): LocalSliceRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    const out: LocalSliceRecord[] = [];
    for (const name of names) {
      const record = this.read(name);
      if (record) out.push(record);
    }
    return out;
  }

  remove(sliceId: string): void {
    rmSync(this.sliceDir(sliceId), { recursive: true, force: true });
  }
}
