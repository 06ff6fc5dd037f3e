import type { OutputFile, TaskOutput } from '@iris/core/api';
import type { SqliteDatabase } from './database.js';

/** The manifest of each attempt's output files (the blobs themselves are in the BlobStore). */
export class OutputStore {
  private readonly s;

  constructor(db: SqliteDatabase) {
    this.s = {
      db,
      clear: db.prepare('DELETE FROM task_outputs WHERE task_id = ? AND attempt = ?'),
      insert: db.prepare('INSERT OR REPLACE INTO task_outputs (task_id, attempt, path, sha256, size_bytes) VALUES (?, ?, ?, ?, ?)'),
      // The latest attempt that recorded outputs, per task of the job.
      ofJob: db.prepare(
        `SELECT o.task_id, o.attempt, o.path, o.sha256, o.size_bytes FROM task_outputs o
         WHERE o.task_id > ? || '/' AND o.task_id < ? || '0' AND rtrim(o.task_id, '0123456789') = ? || '/'
           AND o.attempt = (SELECT MAX(attempt) FROM task_outputs m WHERE m.task_id = o.task_id)
         ORDER BY o.task_id, o.path`,
      ),
      hasBlob: db.prepare('SELECT 1 FROM task_outputs WHERE sha256 = ? LIMIT 1'),
    };
  }

  /** Replaces the manifest of one attempt. */
  record(taskId: string, attempt: number, files: readonly OutputFile[]): void {
    this.s.db.transaction(() => {
      this.s.clear.run(taskId, attempt);
      for (const f of files) this.s.insert.run(taskId, attempt, f.path, f.sha256, f.size_bytes);
    })();
  }

  ofJob(job: string): TaskOutput[] {
    return this.s.ofJob.all(job, job, job) as TaskOutput[];
  }

  /** True when some manifest names the blob (a download of an unlisted blob is refused). */
  isListed(sha256: string): boolean {
    return this.s.hasBlob.get(sha256) !== undefined;
  }
}
