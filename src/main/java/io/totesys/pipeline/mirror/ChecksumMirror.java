package io.totesys.pipeline.mirror;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.RangeChecksum;
import io.totesys.pipeline.stage.PipelineStateException;

/**
 * The mirror of what the lake holds of ToteSys, in the pipeline's state
 * ({@code pipeline.source_row_checksum}): per table and key, the 64-bit checksum of the row
 * version the lake holds as live (the checksum expression of {@code source.TableQueries},
 * computed by ToteSys as the row is extracted). Extract batches stage theirs and publish them with their
 * key ranges, in one transaction; reconciliation compares ToteSys with it.
 */
@ApplicationScoped
public class ChecksumMirror {

    /**
     * The checksum of a key the lake holds no row of. A row whose checksum is 0, a chance of
     * one in 2^64, is taken for one the lake lacks and read again by each reconciliation,
     * the same version: harmless.
     */
    public static final long NOT_EXTRACTED = 0;

    /** The mirror's primary key, as V8 names it. */
    private static final String PRIMARY_KEY = "source_row_checksum_pkey";

    /** Takes a key's checksum as the mirror holds it. */
    public interface Consumer {
        void accept(int key, long checksum);
    }

    private final AgroalDataSource warehouse;

    ChecksumMirror(AgroalDataSource warehouse) {
        this.warehouse = warehouse;
    }

    /** A sink for one batch's checksums. */
    public RowChecksums forBatch(BatchId batchId) {
        return new RowChecksums(batchId, this);
    }

    /**
     * A {@code COPY} into the staged checksums, open on a connection of its own until it is
     * ended or cancelled: lines of {@code batch, table, key, checksum or \N} in COPY's text format.
     */
    static final class Staging {

        private final Connection connection;
        private final PGCopyOutputStream stream;

        private Staging(Connection connection, PGCopyOutputStream stream) {
            this.connection = connection;
            this.stream = stream;
        }

        PGCopyOutputStream stream() {
            return stream;
        }

        /** Ends the copy: the lines are staged. */
        void end() {
            try (connection) {
                stream.endCopy();
            } catch (SQLException e) {
                throw new PipelineStateException("staging row checksums failed", e);
            }
        }

        /** Cancels the copy: nothing of it is staged. */
        void cancel() {
            try (connection) {
                if (stream.isActive()) {
                    stream.cancelCopy();
                }
            } catch (SQLException e) {
                // the connection goes back to the pool, which checks it
            }
        }
    }

    /** Starts staging checksums, on a connection of its own. */
    Staging startStaging() {
        Connection connection = null;
        try {
            connection = warehouse.getConnection();
            return new Staging(connection, new PGCopyOutputStream(connection.unwrap(PGConnection.class),
                    "COPY pipeline.source_row_checksum_staged (batch_id, table_name, row_key, checksum) FROM STDIN",
                    1 << 16));
        } catch (SQLException e) {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw new PipelineStateException("staging row checksums failed", e);
        }
    }

    /** Adds checksums of a table's keys the mirror lacks: lines of {@code table, key, checksum}. */
    public void adopt(SourceTable table, CharSequence lines) {
        try (Connection connection = warehouse.getConnection()) {
            connection.setAutoCommit(false);
            MirrorVersions.setHere(connection);
            connection.unwrap(PGConnection.class).getCopyAPI().copyIn(
                    "COPY pipeline.source_row_checksum (table_name, row_key, checksum) FROM STDIN",
                    new StringReader(lines.toString()));
            MirrorVersions.changed(connection, connection.createArrayOf("text", new String[] {table.tableName()}));
            connection.commit();
        } catch (SQLException | IOException e) {
            throw new PipelineStateException("adopting row checksums failed", e);
        }
    }

    /**
     * The figures of each key range of a table the mirror holds a checksum in
     * ({@link RangeChecksum}), by range: the same sums as ToteSys's, over the checksums the
     * mirror holds, read in one pass over the table's part of its index.
     */
    public Map<Long, RangeChecksum> rangeChecksums(SourceTable table) {
        Map<Long, RangeChecksum> ranges = new HashMap<>();
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement("""
                        SELECT row_key >> %d, count(*), sum(checksum)
                          FROM pipeline.source_row_checksum WHERE table_name = ? GROUP BY 1"""
                        .formatted(RangeChecksum.BITS))) {
            statement.setString(1, table.tableName());
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    ranges.put(rows.getLong(1), new RangeChecksum(rows.getLong(1), rows.getLong(2),
                            new BigInteger(rows.getString(3)), 0));
                }
            }
            return ranges;
        } catch (SQLException e) {
            throw new PipelineStateException("reading the row checksums of " + table.tableName() + " failed", e);
        }
    }

    /** The version of the mirror's checksums of each table ({@link MirrorVersions}). */
    public Map<SourceTable, Long> versions() {
        try (Connection connection = warehouse.getConnection()) {
            return MirrorVersions.read(connection);
        } catch (SQLException e) {
            throw new PipelineStateException("reading the versions of the row checksums failed", e);
        }
    }

    /**
     * Forgets checksums staged by batches that are no longer running: called with the extract
     * stage's lock held, once unfinished batches are settled.
     */
    public void discardAllStaged() {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection
                        .prepareStatement("DELETE FROM pipeline.source_row_checksum_staged")) {
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new PipelineStateException("discarding staged row checksums failed", e);
        }
    }

    /** The mirror's checksums of one key range of a table, in key order. */
    public void range(SourceTable table, int firstKey, long keyAfter, Consumer consumer) {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement("""
                        SELECT row_key, checksum FROM pipeline.source_row_checksum
                         WHERE table_name = ? AND row_key >= ? AND row_key < ? ORDER BY row_key""")) {
            connection.setAutoCommit(false);
            statement.setFetchSize(10_000);
            statement.setString(1, table.tableName());
            statement.setInt(2, firstKey);
            statement.setLong(3, keyAfter);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    consumer.accept(rows.getInt(1), rows.getLong(2));
                }
            }
            connection.commit();
        } catch (SQLException e) {
            throw new PipelineStateException("reading the row checksums of " + table.tableName() + " failed", e);
        }
    }

    /**
     * Makes a batch's staged checksums the live ones, in the transaction that publishes it. A
     * table the batch read whole has its checksums replaced: the lake holds exactly the rows the
     * batch read of it, so they go in as they are, without a lookup per key, which makes the
     * first batch's mirror about twice as fast. Others are merged key by key: a deleted key is
     * forgotten and a checksum the mirror already holds is left as it is. Either way they go in
     * in key order, so that the mirror's index fills from one end instead of at random places.
     */
    public static void publishStaged(Connection connection, BatchId batchId, Set<SourceTable> whole)
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
                         ORDER BY table_name, row_key, checksum DESC""");
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
                forgetWhole.setArray(1, wholeTables);
                forgetWhole.executeUpdate();
                boolean rebuild = isEmptyAndOwned(connection);
                if (rebuild) {
                    execute(connection, "ALTER TABLE pipeline.source_row_checksum DROP CONSTRAINT " + PRIMARY_KEY);
                }
                replace.setString(1, batchId.value());
                replace.setArray(2, wholeTables);
                replace.executeUpdate();
                if (rebuild) {
                    execute(connection, "ALTER TABLE pipeline.source_row_checksum ADD CONSTRAINT " + PRIMARY_KEY
                            + " PRIMARY KEY (table_name, row_key)");
                }
            }
            forget.setString(1, batchId.value());
            forget.setArray(2, wholeTables);
            forget.executeUpdate();
            keep.setString(1, batchId.value());
            keep.setArray(2, wholeTables);
            keep.executeUpdate();
        }
        discardStaged(connection, batchId);
    }

    /**
     * Whether the mirror holds no checksum and the role owns it: then a batch that read every
     * table whole (the first one, a backfill of them all) fills it without its primary key,
     * which is built once afterwards, set-wise, as {@code pg_restore} does, instead of taking
     * each key in one at a time (at ×100, 4.8 million of them). The mirror is locked until the
     * batch is published; only reconciliation reads it, under the extract stage's lock.
     */
    private static boolean isEmptyAndOwned(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT NOT EXISTS (SELECT 1 FROM pipeline.source_row_checksum)
                   AND pg_has_role(current_user, relowner, 'USAGE')
                  FROM pg_class WHERE oid = 'pipeline.source_row_checksum'::regclass""");
                ResultSet result = statement.executeQuery()) {
            return result.next() && result.getBoolean(1);
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.execute();
        }
    }

    /**
     * Forgets a batch's staged checksums. When they are all the table holds, as they are for
     * every batch the stage's lock lets run (settling forgets what a failed one left), and
     * the role may, the table is truncated rather than its rows deleted one by one: at ×100
     * the first batch's 4.8 million took 3.3 s to delete, and its check and truncation 0.4 s.
     */
    public static void discardStaged(Connection connection, BatchId batchId) throws SQLException {
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
            execute(connection, "TRUNCATE pipeline.source_row_checksum_staged");
            return;
        }
        try (PreparedStatement statement = connection
                .prepareStatement("DELETE FROM pipeline.source_row_checksum_staged WHERE batch_id = ?")) {
            statement.setString(1, batchId.value());
            statement.executeUpdate();
        }
    }

}
