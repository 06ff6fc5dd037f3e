import type { Migration } from './index.js';

/** Files tasks wrote under $IRIS_OUTPUT_DIR, per attempt; the bytes live content-addressed in state_dir/outputs. */
export const migration0003: Migration = {
  version: 3,
  name: 'task outputs',
  sql: `
CREATE TABLE task_outputs (
  task_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  PRIMARY KEY (task_id, attempt, path)
);
`,
};
