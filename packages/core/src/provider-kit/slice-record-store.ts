import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The least a slice record holds; providers add their own fields (pids, hosts, phases). */
export interface SliceRecordBase {
  sliceId: string;
  group: string;
  requestId: string;
  labels: Record<string, string>;
  createdAtMs: number;
  /** Set when termination began, so a termination cut short by a crash is finished by the next call. */
  stopping: boolean;
}

const RECORD_FILE = 'slice.json';

/**
 * A provider's slice records on disk, one folder per slice (`<root>/<sliceId>/slice.json`), which
 * also holds the slice's own files (worker folders, logs). Disk, not memory, is what lets a
 * restarted controller adopt the slices its predecessor created.
 */
export class SliceRecordStore<R extends SliceRecordBase> {
  constructor(readonly root: string) {}

  /** The slice's folder; removed with the record. */
  sliceDir(sliceId: string): string {
    return join(this.root, sliceId);
  }

  read(sliceId: string): R | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.sliceDir(sliceId), RECORD_FILE), 'utf8');
    } catch {
      return undefined;
    }
    try {
      return JSON.parse(text) as R;
    } catch {
      return undefined; // never half-written (see write); unreadable means not ours
    }
  }

  /** Atomic (temp file + rename): a crash never leaves half a record. */
  write(record: R): void {
    const dir = this.sliceDir(record.sliceId);
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `${RECORD_FILE}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(record, null, 2));
    renameSync(tmp, join(dir, RECORD_FILE));
  }

  list(): R[] {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    return names.map((n) => this.read(n)).filter((r): r is R => r !== undefined);
  }

  /** Removes the record and the slice's folder. Removing a missing slice is not an error. */
  remove(sliceId: string): void {
    rmSync(this.sliceDir(sliceId), { recursive: true, force: true });
  }
}
