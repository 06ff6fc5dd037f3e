import { SliceRecordStore, type SliceRecordBase } from '@iris/core/provider-kit';

/** One worker process of a local slice, as recorded on disk so a restarted controller adopts it. */
export interface LocalVmRecord {
  vmId: string;
  pid: number;
  dir: string;
  createdAtMs: number;
}

export interface LocalSliceRecord extends SliceRecordBase {
  vms: LocalVmRecord[];
}

/**
 * Slice records live in `<root>/<sliceId>/slice.json`; each worker's own files under
 * `<root>/<sliceId>/vm-<i>/`, so two workers never share a directory.
 */
export type SliceRecords = SliceRecordStore<LocalSliceRecord>;
export const SliceRecords = SliceRecordStore<LocalSliceRecord>;
