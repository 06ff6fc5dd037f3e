import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HelloVmRecord {
  vmId: string;
  /** 0 until the process is spawned. */
  pid: number;
  dir: string;
  createdAtMs: number;
}

export interface HelloSliceRecord {
  sliceId: string;
  group: string;
  requestId: string;
  labels: Record<string, string>;
  createdAtMs: number;
  stopping: boolean;
  vms: HelloVmRecord[];
}

/**
 * Slice records on disk, one folder per slice. Disk, not memory, is what lets a restarted
 * controller adopt the slices its predecessor created.
 */
export class SliceStore {
  constructor(private readonly root: string) {}

  sliceDir(sliceId: string): string {
    return join(this.root, sliceId);
  }

  read(sliceId: string): HelloSliceRecord | undefined {
    try {
      return JSON.parse(readFileSync(join(this.sliceDir(sliceId), 'slice.json'), 'utf8')) as HelloSliceRecord;
    } catch {
      return undefined;
    }
  }

  write(record: HelloSliceRecord): void {
    const dir = this.sliceDir(record.sliceId);
    mkdirSync(dir, { recursive: true });
    // Write then rename, so a crash never leaves a half-written record.
    const tmp = join(dir, 'slice.json.tmp');
    writeFileSync(tmp, JSON.stringify(record));
    renameSync(tmp, join(dir, 'slice.json'));
  }

  remove(sliceId: string): void {
    rmSync(this.sliceDir(sliceId), { recursive: true, force: true });
  }

  list(): HelloSliceRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    return names.map((n) => this.read(n)).filter((r): r is HelloSliceRecord => r !== undefined);
  }
}
