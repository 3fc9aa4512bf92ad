-- Snapshot-exact extraction: what the lake holds of ToteSys is described by transactions,
-- not by last_updated stamps, and deletes are found against the keys the lake holds.

-- The read horizon each table was read up to: a pg_snapshot ('xmin:xmax:xip,...') in which
-- a transaction is visible when the lake holds its row versions. The next batch reads every
-- row version whose transaction is not visible in it. NULL: the table was last read by the
-- last_updated watermark alone (before this migration); its next batch sets it.
ALTER TABLE extract_watermark ADD COLUMN read_horizon text;

-- Per batch: the ToteSys snapshot it read (pg_current_snapshot()), and the read horizon
-- after it, recorded before its manifest is written, so that a restart can publish it.
ALTER TABLE extract_batch ADD COLUMN source_snapshot text;
ALTER TABLE extract_batch ADD COLUMN read_horizon text;

-- The keys of ToteSys rows the lake holds as live (extracted and not deleted since), per
-- table in ranges of 65,536 keys: bit i of row_ids (java.util.BitSet byte order) stands for
-- key range_start + i. A key that is here but no longer in ToteSys was deleted.
CREATE TABLE source_key_range (
    table_name   text    NOT NULL,
    range_start  integer NOT NULL,
    row_ids      bytea   NOT NULL,
    key_count    integer NOT NULL,
    PRIMARY KEY (table_name, range_start)
);

-- The key ranges an extract batch changed, written before its manifest and moved into
-- source_key_range when the batch is published (or dropped when it is abandoned).
CREATE TABLE source_key_range_staged (
    batch_id     text    NOT NULL,
    table_name   text    NOT NULL,
    range_start  integer NOT NULL,
    row_ids      bytea   NOT NULL,
    key_count    integer NOT NULL,
    PRIMARY KEY (batch_id, table_name, range_start)
);
