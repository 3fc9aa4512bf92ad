-- Reconciliation compares what users query too (issue 25 point 3): each warehouse table's
-- *_current view with what ToteSys says it must hold. Its rows go into reconcile_run beside
-- the ToteSys tables' comparison with the lake, one per warehouse table and run, told apart by
-- compared_with: 'lake' (a ToteSys table, compared with the lake's checksum mirror) or
-- 'warehouse' (a star schema table's current view: compared, the view's rows; missing, rows
-- ToteSys says it must hold that it lacks; extra, rows it holds that ToteSys lacks; changed,
-- rows it holds otherwise; repaired, those the run's repair batch reads or deletes again).
-- Retention and the status page take them as any row of a run.
ALTER TABLE pipeline.reconcile_run
    ADD COLUMN compared_with text NOT NULL DEFAULT 'lake' CHECK (compared_with IN ('lake', 'warehouse'));
