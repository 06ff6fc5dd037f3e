/**
 * Slices are keyed by their create request id: a slice whose create has not returned has no
 * provider id yet, which earlier versions papered over with a `pending:<requestId>` slice id.
 * States written as VM states (`unknown`, `terminated`) become lifecycle states.
 */
export const migration0002 = {
  version: 2,
  name: 'slices-by-request',
  sql: `
CREATE TABLE slices_by_request (
  group_name TEXT NOT NULL,
  request_id TEXT NOT NULL,
  slice_id TEXT,
  zone TEXT,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  ready_at INTEGER,
  last_active INTEGER,
  liveness_deadline INTEGER NOT NULL,
  vms TEXT NOT NULL DEFAULT '[]',
  last_change INTEGER NOT NULL,
  PRIMARY KEY (group_name, request_id)
);
INSERT OR REPLACE INTO slices_by_request
  SELECT group_name, request_id,
         CASE WHEN slice_id LIKE 'pending:%' THEN NULL ELSE slice_id END,
         zone,
         CASE state WHEN 'unknown' THEN 'booting' WHEN 'terminated' THEN 'failed' ELSE state END,
         created_at, ready_at, last_active, liveness_deadline, vms, last_change
  FROM slices ORDER BY last_change;
DROP TABLE slices;
ALTER TABLE slices_by_request RENAME TO slices;
CREATE INDEX slices_by_group ON slices (group_name);
`,
};
