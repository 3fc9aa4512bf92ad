package io.totesys.pipeline.mirror;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

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
        private final String afterCopy;

        Staging(Connection connection, PGCopyOutputStream stream, String afterCopy) {
            this.connection = connection;
            this.stream = stream;
            this.afterCopy = afterCopy;
        }

        PGCopyOutputStream stream() {
            return stream;
        }

        /** Ends the copy, then runs the statement that follows it, if any: the lines are staged. */
        void end() {
            try (connection) {
                stream.endCopy();
                if (afterCopy != null) {
                    execute(connection, afterCopy);
                }
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

    /**
     * Starts staging the checksums of a table a batch reads whole into a table of their own
     * ({@link WholeTableChecksums}), on a connection of its own: lines of {@code table, key,
     * checksum}; or returns null when the role cannot replace the table's partition.
     */
    Staging startWholeTable(SourceTable table) {
        Connection connection = null;
        try {
            connection = warehouse.getConnection();
            Staging staging = WholeTableChecksums.start(connection, table);
            if (staging == null) {
                connection.close();
            }
            return staging;
        } catch (SQLException e) {
            closeAfter(connection, e);
            throw new PipelineStateException("staging row checksums failed", e);
        }
    }

    /** Adds checksums of keys to a table's whole-table staging, once its rows are staged. */
    void addToWholeTable(SourceTable table, CharSequence lines) {
        try (Connection connection = warehouse.getConnection()) {
            WholeTableChecksums.add(connection, table, lines);
        } catch (SQLException | IOException e) {
            throw new PipelineStateException("staging row checksums failed", new SQLException(e));
        }
    }

    /** Starts staging checksums, on a connection of its own. */
    Staging startStaging() {
        Connection connection = null;
        try {
            connection = warehouse.getConnection();
            return new Staging(connection, new PGCopyOutputStream(connection.unwrap(PGConnection.class),
                    "COPY pipeline.source_row_checksum_staged (batch_id, table_name, row_key, checksum) FROM STDIN",
                    1 << 16), null);
        } catch (SQLException e) {
            closeAfter(connection, e);
            throw new PipelineStateException("staging row checksums failed", e);
        }
    }

    /** Closes a connection, if there is one, after a failure (if any), which keeps what closing it threw. */
    static void closeAfter(Connection connection, SQLException failure) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException closing) {
                if (failure != null) {
                    failure.addSuppressed(closing);
                }
            }
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
            WholeTableChecksums.discardAll(connection);
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

    static void execute(Connection connection, String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.execute();
        }
    }

}
