-- Rows of ToteSys the lake holds only in the ingest bucket's quarantine/ (objects the
-- transform quarantined, rows it left out), counted by each reconciliation per table: no batch
-- carried them into the warehouse, and none will until they are replayed (issue 25 point 3).
ALTER TABLE pipeline.reconcile_run ADD COLUMN quarantined bigint NOT NULL DEFAULT 0;
