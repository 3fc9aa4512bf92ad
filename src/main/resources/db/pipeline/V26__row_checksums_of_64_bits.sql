-- The mirror's row checksums become 64-bit hashes (issue 26): the exclusive or of each lake
-- text's hashtextextended, seeded with its column's position, instead of the MD5 of the row's
-- record as text, which cost ToteSys about as much as the rest of the extract's query. The
-- mirror halves in size, and a key range's sum is the sum of its checksums.
--
-- The MD5 checksums stay in source_row_checksum_md5 until the extract stage rebases them, in
-- its first run after this migration (MirrorRebase): ToteSys computes both checksums of every
-- row once; a row whose MD5 is the mirror's gets its new checksum, and any other keeps a
-- checksum that differs from ToteSys's, so that reconciliation finds what it would have found
-- before the upgrade. Then the run empties source_row_checksum_md5.
ALTER TABLE pipeline.source_row_checksum RENAME TO source_row_checksum_md5;
ALTER INDEX pipeline.source_row_checksum_pkey RENAME TO source_row_checksum_md5_pkey;
DROP TRIGGER source_row_checksum_changed ON pipeline.source_row_checksum_md5;

-- One partition per catalogue table, source_row_checksum_of_<table>: a batch that reads a table
-- whole, when the service's role owns the mirror, stages its checksums into a table of their own
-- and makes it the table's partition when it publishes, instead of inserting every row in the
-- publishing transaction (WholeTableChecksums). Each partition carries the statement trigger
-- too, so that a change made to a partition directly moves every table's version on.
CREATE TABLE pipeline.source_row_checksum (
    table_name  text    NOT NULL,
    row_key     integer NOT NULL,
    checksum    bigint  NOT NULL,
    CONSTRAINT source_row_checksum_pkey PRIMARY KEY (table_name, row_key)
) PARTITION BY LIST (table_name);
CREATE TRIGGER source_row_checksum_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON pipeline.source_row_checksum
    FOR EACH STATEMENT EXECUTE FUNCTION pipeline.source_row_checksum_changed();
DO $$
DECLARE
    source_table text;
BEGIN
    FOREACH source_table IN ARRAY ARRAY['address', 'counterparty', 'currency', 'department', 'design',
            'payment_type', 'staff', 'sales_order', 'purchase_order', 'transaction', 'payment'] LOOP
        EXECUTE format('CREATE TABLE pipeline.%I PARTITION OF pipeline.source_row_checksum FOR VALUES IN (%L)',
                       'source_row_checksum_of_' || source_table, source_table);
        EXECUTE format('CREATE TRIGGER source_row_checksum_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                       'ON pipeline.%I FOR EACH STATEMENT EXECUTE FUNCTION pipeline.source_row_checksum_changed()',
                       'source_row_checksum_of_' || source_table);
    END LOOP;
END
$$;

-- Staged checksums are those of a batch a crash cut short: settling one that had written its
-- manifest publishes it without them, and reconciliation reads its rows again.
DELETE FROM pipeline.source_row_checksum_staged;
ALTER TABLE pipeline.source_row_checksum_staged ALTER COLUMN checksum TYPE bigint USING NULL;
