-- A reconciliation costs ToteSys what changed since the last one (issue 26): a table whose
-- statistics counters have not moved since a reconciliation found it equal to the lake is
-- not read again while the lake's side of it has not changed either (its keys, and the
-- mirror's checksums of it, whose version is below); every ETL_FULL_SCAN_INTERVAL it is read
-- whatever they say. A table that is read is compared by its key ranges' checksums first, and
-- read row by row only in the ranges that differ (docs/architecture.md#reconciliation).

-- Per table, the version of the mirror's checksums of it: the statement that publishes a
-- batch and changes some, or a reconciliation that adopts some, sets it from the sequence for
-- the tables whose checksums it changed (ChecksumMirror, MirrorVersions), and says so for its
-- transaction with the setting pipeline.mirror_versions. Any other change of the mirror (by
-- hand, or a TRUNCATE) sets the row '*', which counts for every table: a statement-level
-- trigger, which costs a publish nothing per row.
CREATE SEQUENCE pipeline.source_row_checksum_change;
CREATE TABLE pipeline.source_row_checksum_version (
    table_name  text    PRIMARY KEY,
    version     bigint  NOT NULL
);

CREATE FUNCTION pipeline.source_row_checksum_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' OR coalesce(current_setting('pipeline.mirror_versions', true), '') <> 'set' THEN
        INSERT INTO pipeline.source_row_checksum_version (table_name, version)
        VALUES ('*', nextval('pipeline.source_row_checksum_change'))
        ON CONFLICT (table_name) DO UPDATE SET version = excluded.version;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER source_row_checksum_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON pipeline.source_row_checksum
    FOR EACH STATEMENT EXECUTE FUNCTION pipeline.source_row_checksum_changed();

-- What each run did per table: rows_read, the rows read from ToteSys one by one in the key
-- ranges whose checksums differed; not_read, the table was not read at all, unchanged on both
-- sides since a run found it equal.
ALTER TABLE pipeline.reconcile_run ADD COLUMN rows_read bigint NOT NULL DEFAULT 0;
ALTER TABLE pipeline.reconcile_run ADD COLUMN not_read boolean NOT NULL DEFAULT false;
