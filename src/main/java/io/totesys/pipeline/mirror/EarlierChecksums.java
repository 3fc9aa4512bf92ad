package io.totesys.pipeline.mirror;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.stage.PipelineStateException;

/**
 * The checksums the mirror held before release 26, the MD5 of each row's record as text, which
 * {@code V26} keeps in {@code pipeline.source_row_checksum_md5} until the extract stage's first
 * run rebases them ({@code extract.MirrorRebase}): read here range by range; the rebased
 * checksums go into the mirror and the earlier ones are forgotten in one transaction.
 */
@ApplicationScoped
public class EarlierChecksums {

    /** The MD5 an earlier release kept for a key the lake held no row of. */
    public static final String NOT_EXTRACTED = "00000000-0000-0000-0000-000000000000";

    /** The bits of a key below its range's number, here: ranges of 65,536 keys. */
    public static final int RANGE_BITS = 16;

    private final AgroalDataSource warehouse;

    EarlierChecksums(AgroalDataSource warehouse) {
        this.warehouse = warehouse;
    }

    /**
     * Whether earlier checksums wait to be rebased: asked by every run of the extract stage,
     * a look at an empty table once they are rebased, since the schema migrates as the service
     * starts, after it, or while it runs (a replica that starts later with a newer release).
     */
    public boolean pending() {
        try (Connection connection = warehouse.getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement
                        .executeQuery("SELECT EXISTS (SELECT 1 FROM pipeline.source_row_checksum_md5)")) {
            result.next();
            return result.getBoolean(1);
        } catch (SQLException e) {
            throw new PipelineStateException("reading the mirror's checksums of an earlier release failed", e);
        }
    }

    /** The ranges of {@link #RANGE_BITS} bits a table's earlier checksums hold keys in, in order. */
    public List<Long> ranges(SourceTable table) {
        List<Long> ranges = new ArrayList<>();
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement("""
                        SELECT DISTINCT row_key >> %d FROM pipeline.source_row_checksum_md5
                         WHERE table_name = ? ORDER BY 1""".formatted(RANGE_BITS))) {
            statement.setString(1, table.tableName());
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    ranges.add(rows.getLong(1));
                }
            }
            return ranges;
        } catch (SQLException e) {
            throw new PipelineStateException("reading the mirror's checksums of an earlier release failed", e);
        }
    }

    /** A table's earlier checksums of the keys of one range, by key. */
    public Map<Integer, String> range(SourceTable table, long range) {
        Map<Integer, String> checksums = new HashMap<>();
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement("""
                        SELECT row_key, checksum::text FROM pipeline.source_row_checksum_md5
                         WHERE table_name = ? AND row_key >= ? AND row_key < ?""")) {
            statement.setString(1, table.tableName());
            statement.setLong(2, range << RANGE_BITS);
            statement.setLong(3, (range + 1) << RANGE_BITS);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    checksums.put(rows.getInt(1), rows.getString(2));
                }
            }
            return checksums;
        } catch (SQLException e) {
            throw new PipelineStateException("reading the mirror's checksums of an earlier release failed", e);
        }
    }

    /** Starts writing the rebased checksums, in a transaction of their own. */
    public Rebased begin() {
        return new Rebased(warehouse);
    }

    /**
     * The rebased checksums on their way into the mirror: streamed into a temporary table as
     * they come, then, on {@link #commit}, put into the mirror where it holds no checksum of
     * the key (a batch published since the upgrade holds the newer one) and the earlier
     * checksums forgotten, in one transaction. Closing it uncommitted changes nothing.
     */
    public static final class Rebased implements AutoCloseable {

        private final Connection connection;
        private final PGCopyOutputStream copy;

        private Rebased(AgroalDataSource warehouse) {
            Connection opened = null;
            try {
                opened = warehouse.getConnection();
                opened.setAutoCommit(false);
                try (Statement statement = opened.createStatement()) {
                    statement.execute("CREATE TEMPORARY TABLE rebased_row_checksum (LIKE pipeline.source_row_checksum)"
                            + " ON COMMIT DROP");
                }
                this.copy = new PGCopyOutputStream(opened.unwrap(PGConnection.class),
                        "COPY rebased_row_checksum (table_name, row_key, checksum) FROM STDIN", 1 << 16);
                this.connection = opened;
            } catch (SQLException e) {
                ChecksumMirror.closeAfter(opened, e);
                throw new PipelineStateException("rebasing the mirror's checksums failed", e);
            }
        }

        /** A key's rebased checksum. */
        public void add(SourceTable table, int key, long checksum) {
            try {
                copy.write((table.tableName() + '\t' + key + '\t' + checksum + '\n').getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new PipelineStateException("rebasing the mirror's checksums failed", new SQLException(e));
            }
        }

        /** Puts the rebased checksums into the mirror and forgets the earlier ones; returns how many went in. */
        public long commit() {
            try (Statement statement = connection.createStatement()) {
                copy.endCopy();
                long added = statement.executeUpdate("""
                        INSERT INTO pipeline.source_row_checksum (table_name, row_key, checksum)
                        SELECT table_name, row_key, checksum FROM rebased_row_checksum ORDER BY table_name, row_key
                        ON CONFLICT (table_name, row_key) DO NOTHING""");
                statement.executeUpdate("DELETE FROM pipeline.source_row_checksum_md5");
                connection.commit();
                return added;
            } catch (SQLException e) {
                throw new PipelineStateException("rebasing the mirror's checksums failed", e);
            }
        }

        @Override
        public void close() {
            try {
                if (copy.isActive()) {
                    copy.cancelCopy();
                }
                connection.rollback();
            } catch (SQLException e) {
                // the connection goes back to the pool, which checks it
            }
            ChecksumMirror.closeAfter(connection, null);
        }
    }
}
