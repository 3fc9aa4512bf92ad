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

CREATE TABLE pipeline.source_row_checksum (
    table_name  text    NOT NULL,
    row_key     integer NOT NULL,
    checksum    bigint  NOT NULL,
    CONSTRAINT source_row_checksum_pkey PRIMARY KEY (table_name, row_key)
);
CREATE TRIGGER source_row_checksum_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON pipeline.source_row_checksum
    FOR EACH STATEMENT EXECUTE FUNCTION pipeline.source_row_checksum_changed();

-- Staged checksums are those of a batch a crash cut short: settling one that had written its
-- manifest publishes it without them, and reconciliation reads its rows again.
DELETE FROM pipeline.source_row_checksum_staged;
ALTER TABLE pipeline.source_row_checksum_staged ALTER COLUMN checksum TYPE bigint USING NULL;
