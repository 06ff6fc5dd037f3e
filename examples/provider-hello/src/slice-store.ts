import { SliceRecordStore, type SliceRecordBase } from '@iris/core/provider-kit';

export interface HelloVmRecord {
  vmId: string;
  /** 0 until the process is spawned. */
  pid: number;
  dir: string;
  createdAtMs: number;
}

export interface HelloSliceRecord extends SliceRecordBase {
  vms: HelloVmRecord[];
}

/**
 * Slice records on disk, one folder per slice (the kit's store). Disk, not memory, is what lets a
 * restarted controller adopt the slices its predecessor created.
 */
export type SliceStore = SliceRecordStore<HelloSliceRecord>;
export const SliceStore = SliceRecordStore<HelloSliceRecord>;
