/** The first schema: everything the controller persists. */
export const migration0001 = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE jobs (
  name TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  spec TEXT NOT NULL,
  state TEXT NOT NULL,
  submitted_at INTEGER NOT NULL,
  finished_at INTEGER,
  error TEXT
);
CREATE TABLE tasks (
  task_id TEXT PRIMARY KEY,
  job TEXT NOT NULL,
  idx INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT -1,
  worker_id TEXT,
  failure_count INTEGER NOT NULL DEFAULT 0,
  preemption_count INTEGER NOT NULL DEFAULT 0,
  exit_code INTEGER,
  error TEXT,
  started_at INTEGER,
  finished_at INTEGER
);
CREATE INDEX tasks_by_job ON tasks (job, idx);
-- Tasks that never left their initial state (PENDING, no attempt) are implied by their job's
-- replicas; recovery reads only the others, through this partial index.
CREATE INDEX tasks_touched ON tasks (job, idx) WHERE attempt >= 0 OR state != 'PENDING';
CREATE TABLE attempts (
  task_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  worker_id TEXT NOT NULL,
  state TEXT NOT NULL,
  exit_code INTEGER,
  signal TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  PRIMARY KEY (task_id, attempt)
);
CREATE TABLE workers (
  worker_id TEXT PRIMARY KEY,
  address TEXT NOT NULL,
  resources TEXT NOT NULL,
  accelerators TEXT NOT NULL,
  attributes TEXT NOT NULL,
  registered_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
);
CREATE TABLE endpoints (
  name TEXT PRIMARY KEY,
  address TEXT NOT NULL,
  job TEXT NOT NULL,
  task_id TEXT,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE bundles (
  sha256 TEXT PRIMARY KEY,
  size_bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE log_lines (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  stream TEXT NOT NULL,
  ts INTEGER NOT NULL,
  line TEXT NOT NULL
);
CREATE INDEX log_lines_by_attempt ON log_lines (task_id, attempt, seq);
CREATE TABLE actions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE TABLE slices (
  group_name TEXT NOT NULL,
  slice_id TEXT NOT NULL,
  request_id TEXT NOT NULL,
  zone TEXT,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  ready_at INTEGER,
  last_active INTEGER,
  liveness_deadline INTEGER NOT NULL,
  vms TEXT NOT NULL DEFAULT '[]',
  last_change INTEGER NOT NULL,
  PRIMARY KEY (group_name, slice_id)
);
CREATE INDEX slices_by_group ON slices (group_name);
`,
};
