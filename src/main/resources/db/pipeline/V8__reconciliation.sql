-- Reconciliation (issue 12, point 4): what the lake holds of ToteSys, row by row, and what
-- each reconciliation found.

-- The mirror of the lake: per table and key, the checksum of the row version the lake holds
-- as live, md5 of the row's lake text computed by ToteSys as the row was extracted
-- (SourceTable's checksum expression). Published with the batch's key ranges.
CREATE TABLE source_row_checksum (
    table_name  text    NOT NULL,
    row_key     integer NOT NULL,
    checksum    uuid    NOT NULL,
    PRIMARY KEY (table_name, row_key)
);

-- The checksums an extract batch read (NULL: the key was deleted), staged as its rows stream
-- and moved into source_row_checksum when the batch is published (or dropped when it is not).
CREATE TABLE source_row_checksum_staged (
    batch_id    text    NOT NULL,
    table_name  text    NOT NULL,
    row_key     integer NOT NULL,
    checksum    uuid
);

-- A repair batch reads rows reconciliation found different; publishing it leaves the
-- watermarks and read horizons where they are.
ALTER TABLE extract_batch ADD COLUMN repair boolean NOT NULL DEFAULT false;

-- One row per table and reconciliation run. compared: keys of ToteSys and of the lake looked
-- at; pending: rows written since the read horizon, which the next batch reads, not judged;
-- missing: in ToteSys, not held by the lake; extra: held, not in ToteSys; changed: held with
-- another checksum; adopted: held by the lake's key ranges without a checksum in the mirror
-- (a lake from before this migration), taken as they are in ToteSys; repaired: rows and
-- deletions the run's repair batch wrote.
CREATE TABLE reconcile_run (
    run_id           text        NOT NULL,
    table_name       text        NOT NULL,
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz,
    compared         bigint      NOT NULL,
    pending          bigint      NOT NULL,
    missing          bigint      NOT NULL,
    extra            bigint      NOT NULL,
    changed          bigint      NOT NULL,
    adopted          bigint      NOT NULL,
    repaired         bigint      NOT NULL DEFAULT 0,
    repair_batch_id  text,
    PRIMARY KEY (run_id, table_name)
);
CREATE INDEX reconcile_run_started_at ON reconcile_run (started_at);
