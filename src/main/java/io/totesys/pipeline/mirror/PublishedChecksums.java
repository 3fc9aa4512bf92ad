package io.totesys.pipeline.mirror;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.Set;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;

/**
 * A batch's staged checksums ({@link RowChecksums}) made the mirror's, in the transaction that
 * publishes the batch, or forgotten with it.
 */
public final class PublishedChecksums {

    private PublishedChecksums() {
    }

    /**
     * Makes a batch's staged checksums the live ones, in the transaction that publishes it. A
     * table the batch read whole has its checksums replaced: the lake holds exactly the rows the
     * batch read of it. Staged into a table of their own, they become the table's partition
     * ({@link WholeTableChecksums#replace}); staged with the others (the role does not own the
     * mirror), they go in as they are, without a lookup per key. Others are merged key by key:
     * a deleted key is forgotten and a checksum the mirror already holds is left as it is, in
     * key order, so that the mirror's index fills from one end instead of at random places.
     */
    public static void publish(Connection connection, BatchId batchId, Set<SourceTable> whole)
            throws SQLException {
        Array wholeTables = connection.createArrayOf("text",
                whole.stream().map(SourceTable::tableName).toArray(String[]::new));
        try (PreparedStatement forgetWhole = connection.prepareStatement(
                "DELETE FROM pipeline.source_row_checksum WHERE table_name = ANY (?)");
                PreparedStatement replace = connection.prepareStatement("""
                        INSERT INTO pipeline.source_row_checksum (table_name, row_key, checksum)
                        SELECT DISTINCT ON (table_name, row_key) table_name, row_key, checksum
                          FROM pipeline.source_row_checksum_staged
                         WHERE batch_id = ? AND table_name = ANY (?) AND checksum IS NOT NULL
                         ORDER BY table_name, row_key, checksum = %d""".formatted(ChecksumMirror.NOT_EXTRACTED));
                PreparedStatement forget = connection.prepareStatement("""
                        WITH forgotten AS (
                            DELETE FROM pipeline.source_row_checksum c USING pipeline.source_row_checksum_staged s
                             WHERE s.batch_id = ? AND s.checksum IS NULL AND NOT s.table_name = ANY (?)
                               AND c.table_name = s.table_name AND c.row_key = s.row_key
                            RETURNING c.table_name)
                        """ + MirrorVersions.CHANGED_FROM.formatted("forgotten"));
                PreparedStatement keep = connection.prepareStatement("""
                        WITH kept AS (
                            INSERT INTO pipeline.source_row_checksum (table_name, row_key, checksum)
                            SELECT table_name, row_key, checksum FROM pipeline.source_row_checksum_staged
                             WHERE batch_id = ? AND checksum IS NOT NULL AND NOT table_name = ANY (?)
                             ORDER BY table_name, row_key
                            ON CONFLICT (table_name, row_key) DO UPDATE SET checksum = excluded.checksum
                             WHERE source_row_checksum.checksum <> excluded.checksum
                            RETURNING table_name)
                        """ + MirrorVersions.CHANGED_FROM.formatted("kept"))) {
            MirrorVersions.setHere(connection);
            if (!whole.isEmpty()) {
                MirrorVersions.changed(connection, wholeTables);
                Set<SourceTable> staged = EnumSet.noneOf(SourceTable.class);
                for (SourceTable table : whole) {
                    if (!WholeTableChecksums.replace(connection, table)) {
                        staged.add(table);
                    }
                }
                Array stagedTables = connection.createArrayOf("text",
                        staged.stream().map(SourceTable::tableName).toArray(String[]::new));
                forgetWhole.setArray(1, stagedTables);
                forgetWhole.executeUpdate();
                replace.setString(1, batchId.value());
                replace.setArray(2, stagedTables);
                replace.executeUpdate();
            }
            forget.setString(1, batchId.value());
            forget.setArray(2, wholeTables);
            forget.executeUpdate();
            keep.setString(1, batchId.value());
            keep.setArray(2, wholeTables);
            keep.executeUpdate();
        }
        discard(connection, batchId);
    }

    /**
     * Forgets a batch's staged checksums. When they are all the table holds, as they are for
     * every batch the stage's lock lets run (settling forgets what a failed one left), and
     * the role may, the table is truncated rather than its rows deleted one by one: at ×100
     * the first batch's 4.8 million took 3.3 s to delete, and its check and truncation 0.4 s.
     * The tables of checksums staged apart that are left ({@link WholeTableChecksums}) go too.
     */
    public static void discard(Connection connection, BatchId batchId) throws SQLException {
        boolean onlyThisBatch;
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT has_table_privilege('pipeline.source_row_checksum_staged', 'TRUNCATE')
                   AND NOT EXISTS (SELECT 1 FROM pipeline.source_row_checksum_staged WHERE batch_id <> ?)""")) {
            statement.setString(1, batchId.value());
            try (ResultSet result = statement.executeQuery()) {
                onlyThisBatch = result.next() && result.getBoolean(1);
            }
        }
        if (onlyThisBatch) {
            ChecksumMirror.execute(connection, "TRUNCATE pipeline.source_row_checksum_staged");
        } else {
            try (PreparedStatement statement = connection
                    .prepareStatement("DELETE FROM pipeline.source_row_checksum_staged WHERE batch_id = ?")) {
                statement.setString(1, batchId.value());
                statement.executeUpdate();
            }
        }
        WholeTableChecksums.discardAll(connection);
    }
}
